import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { MedicConfig } from '../src/config/config-schema.js';
import type { EscalateInput, MedicActivities, StepInput, StepOutput } from './contract.js';
import { misconfigured, unknownTarget } from './failures.js';

export interface ActivityDeps {
  config: MedicConfig;
  logger: Logger;
}

/**
 * The activities the worker serves, built from the validated configuration.
 * Targets are looked up by name when a step runs; a step whose driver is not configured
 * fails at once and says what to add.
 */
export function createActivities({ config, logger }: ActivityDeps): MedicActivities {
  const targetOf = (input: StepInput) => {
    const target = config.targets[input.target];
    if (target === undefined) throw unknownTarget(input.target);
    return target;
  };
  const noDriver = (kind: string) => async (input: StepInput): Promise<never> => {
    targetOf(input);
    throw misconfigured(
      `target "${input.target}" has no ${kind} driver configured, so medic cannot ${kind} it. To fix: configure one under targets.${input.target}, or route this alert to diagnose-and-escalate`,
    );
  };
  const log = (input: StepInput) =>
    logger.child({ incidentId: input.incidentId, step: Context.current().info.activityType, attempt: Context.current().info.attempt });

  return {
    isolate: noDriver('isolate'),
    rejoin: noDriver('rejoin'),
    restart: noDriver('restart'),
    verify: noDriver('verify'),
    rollback: noDriver('rollback'),
    rollforward: noDriver('rollforward'),

    async diagnose(input: StepInput): Promise<StepOutput> {
      const target = targetOf(input);
      return {
        summary: `no evidence sources are configured for ${input.target}`,
        data: { description: target.description ?? null, pool: target.pool ?? null },
      };
    },

    async escalate(input: EscalateInput): Promise<StepOutput> {
      const sent: string[] = [];
      for (const channel of config.escalation.channels) {
        if (channel.type === 'log') {
          log(input).warn({ event: input.event, reason: input.reason, severity: input.severity, target: input.target }, 'ESCALATION: a human is needed');
          sent.push('log');
        }
      }
      return { summary: `${input.event} sent to ${sent.join(', ')}`, data: { channels: sent } };
    },
  };
}
