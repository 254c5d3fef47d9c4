import type { Logger } from 'pino';
import type { MedicConfig } from '../src/config/config-schema.js';
import type { TargetConfig } from '../src/config/target-schema.js';
import type { ActivityName, CommandInput, EscalateInput, MedicActivities, StepInput } from './contract.js';
import { ACTIVITIES, type TargetSection } from './declarations.js';
import { runConfiguredCommand } from './command/run-configured-command.js';
import { captureEvidence } from './diagnose/capture-evidence.js';
import { sendEscalation } from './escalate/send-escalation.js';
import { misconfigured, unknownTarget } from './failures.js';
import { loggedStep } from './support/logged-step.js';
import { isolateServer, rejoinServer } from './haproxy/isolate-server.js';
import { restartProcess } from './restart/restart-process.js';
import { rollBack, rollForward } from './rollback/roll-release.js';
import { verifyTarget } from './verify/run-checks.js';

export interface ActivityDeps {
  config: MedicConfig;
  logger: Logger;
}

/**
 * The activities the worker serves, built from the validated configuration.
 * Targets are looked up by name when a step runs, and each step dispatches to the driver its
 * target configures; a step whose driver is not configured fails at once and says what to add.
 */
export function createActivities({ config, logger }: ActivityDeps): MedicActivities {
  // Own properties only: a target named "constructor" or "__proto__" (from an alert label) must be
  // unknown, not Object.prototype's member.
  const lookup = (name: string): TargetConfig | undefined => (Object.hasOwn(config.targets, name) ? config.targets[name] : undefined);
  const targetOf = (input: StepInput): TargetConfig => {
    const target = lookup(input.target);
    if (target === undefined) throw unknownTarget(input.target);
    return target;
  };
  // The section each activity needs comes from its declaration (activities/declarations.ts).
  const needs = <S extends TargetSection>(step: ActivityName, input: StepInput, expected: S): NonNullable<TargetConfig[S]> => {
    const target = targetOf(input);
    const { name, hint } = ACTIVITIES[step].section as unknown as { name: S; hint: string };
    if (name !== expected) throw new Error(`activities/declarations.ts says ${step} needs ${name}, its driver reads ${expected}: fix one of them`);
    const value = target[name];
    if (value === undefined) {
      throw misconfigured(
        `target "${input.target}" has no ${step} driver configured, so medic cannot ${step} it. To fix: add ${hint} under targets.${input.target}, or route this alert to diagnose-and-escalate`,
      );
    }
    return value as NonNullable<TargetConfig[S]>;
  };

  /** Log the step's start and end, and turn driver errors into ApplicationFailures. */
  const step = loggedStep(logger);

  const releaseTarget = (input: StepInput, step: 'rollback' | 'rollforward') => ({
    target: input.target,
    incidentId: input.incidentId,
    release: needs(step, input, 'release'),
    process: targetOf(input).process,
  });

  return {
    isolate: step(async (input) => isolateServer(input.target, needs('isolate', input, 'haproxy'))),
    rejoin: step(async (input) => rejoinServer(input.target, needs('rejoin', input, 'haproxy'))),
    restart: step(async (input) => restartProcess(input.target, needs('restart', input, 'process'))),
    verify: step(async (input) => verifyTarget(input.target, needs('verify', input, 'verify'))),
    rollback: step(async (input) => rollBack(releaseTarget(input, 'rollback'))),
    rollforward: step(async (input) => rollForward(releaseTarget(input, 'rollforward'), input.params['version'])),
    diagnose: step(async (input) => captureEvidence(input.target, targetOf(input))),
    // Escalation works for targets outside the inventory too: it is the fallback of last resort.
    escalate: step(async (input: EscalateInput) => sendEscalation(input, config.escalation, lookup(input.target)?.pool, logger)),
    command: step(async (input: CommandInput) => runConfiguredCommand(input, needs('command', input, 'commands'))),
  };
}
