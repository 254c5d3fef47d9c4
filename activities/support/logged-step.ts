import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { StepInput } from '../contract.js';
import { toActivityFailure } from '../failures.js';

/**
 * An activity as every driver runs: its start and end logged with the incident, target, step and
 * attempt, and driver errors turned into ApplicationFailures. `fn` gets the tagged logger.
 */
export const loggedStep =
  (logger: Logger) =>
  <I extends StepInput, O>(fn: (input: I, log: Logger) => Promise<O>) =>
  async (input: I): Promise<O> => {
    const info = Context.current().info;
    const log = logger.child({ incidentId: input.incidentId, target: input.target, step: info.activityType, attempt: info.attempt });
    log.info('step started');
    try {
      const output = await fn(input, log);
      log.info({ summary: (output as { summary?: string }).summary }, 'step done');
      return output;
    } catch (err) {
      const failure = toActivityFailure(err);
      log.warn({ err: failure instanceof Error ? failure.message : String(failure) }, 'step failed');
      throw failure;
    }
  };
