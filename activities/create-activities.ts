import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { MedicConfig } from '../src/config/config-schema.js';
import type { TargetConfig } from '../src/config/target-schema.js';
import type { EscalateInput, MedicActivities, StepInput } from './contract.js';
import { captureEvidence } from './diagnose/capture-evidence.js';
import { sendEscalation } from './escalate/send-escalation.js';
import { misconfigured, toActivityFailure, unknownTarget } from './failures.js';
import { isolateServer, rejoinServer } from './haproxy/isolate-server.js';
import { restartProcess } from './restart/restart-process.js';
import { rollBack, rollForward } from './rollback/roll-release.js';
import { verifyTarget } from './verify/run-checks.js';

export interface ActivityDeps {
  config: MedicConfig;
  logger: Logger;
}

/** The sections of a target each step needs, and the words that say what to add. */
const NEEDS = {
  isolate: { section: 'haproxy', what: 'an haproxy section (runtimeApi, backend, server)' },
  rejoin: { section: 'haproxy', what: 'an haproxy section (runtimeApi, backend, server)' },
  restart: { section: 'process', what: 'a process section (manager: pm2, systemd or command)' },
  verify: { section: 'verify', what: 'a verify section (checks: http, tcp or prometheus)' },
  rollback: { section: 'release', what: 'a release section (releasesDir, currentLink)' },
  rollforward: { section: 'release', what: 'a release section (releasesDir, currentLink)' },
} as const satisfies Record<string, { section: keyof TargetConfig; what: string }>;

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
  const needs = <K extends keyof typeof NEEDS>(step: K, input: StepInput): NonNullable<TargetConfig[(typeof NEEDS)[K]['section']]> => {
    const target = targetOf(input);
    const { section, what } = NEEDS[step];
    const value = target[section];
    if (value === undefined) {
      throw misconfigured(
        `target "${input.target}" has no ${step} driver configured, so medic cannot ${step} it. To fix: add ${what} under targets.${input.target}, or route this alert to diagnose-and-escalate`,
      );
    }
    return value as NonNullable<TargetConfig[(typeof NEEDS)[K]['section']]>;
  };

  /** Log the step's start and end, and turn driver errors into ApplicationFailures. */
  const step =
    <I extends StepInput, O>(fn: (input: I) => Promise<O>) =>
    async (input: I): Promise<O> => {
      const info = Context.current().info;
      const log = logger.child({ incidentId: input.incidentId, target: input.target, step: info.activityType, attempt: info.attempt });
      log.info('step started');
      try {
        const output = await fn(input);
        log.info({ summary: (output as { summary?: string }).summary }, 'step done');
        return output;
      } catch (err) {
        const failure = toActivityFailure(err);
        log.warn({ err: failure instanceof Error ? failure.message : String(failure) }, 'step failed');
        throw failure;
      }
    };

  const releaseTarget = (input: StepInput, step: 'rollback' | 'rollforward') => ({
    target: input.target,
    incidentId: input.incidentId,
    release: needs(step, input),
    process: targetOf(input).process,
  });

  return {
    isolate: step(async (input) => isolateServer(input.target, needs('isolate', input))),
    rejoin: step(async (input) => rejoinServer(input.target, needs('rejoin', input))),
    restart: step(async (input) => restartProcess(input.target, needs('restart', input))),
    verify: step(async (input) => verifyTarget(input.target, needs('verify', input))),
    rollback: step(async (input) => rollBack(releaseTarget(input, 'rollback'))),
    rollforward: step(async (input) => rollForward(releaseTarget(input, 'rollforward'), input.params['version'])),
    diagnose: step(async (input) => captureEvidence(input.target, targetOf(input))),
    // Escalation works for targets outside the inventory too: it is the fallback of last resort.
    escalate: step(async (input: EscalateInput) => sendEscalation(input, config.escalation, lookup(input.target)?.pool, logger)),
  };
}
