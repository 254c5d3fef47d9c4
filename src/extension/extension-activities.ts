import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { declaredActivities } from '../../activities/declarations.js';
import { misconfigured, toActivityFailure, unknownTarget } from '../../activities/failures.js';
import type { StepInput } from '../../activities/contract.js';
import type { MedicConfig } from '../config/config-schema.js';
import type { LoadedExtension } from './load-extension.js';

type ActivityFn = (input: StepInput) => Promise<unknown>;

/**
 * The extension's implementations as Temporal activities: each gets its target's configuration
 * (looked up by name, own properties only), a tagged logger, and the same error handling as
 * medic's drivers. A step whose section is missing fails at once and says what to add.
 */
export function extensionActivities(extension: LoadedExtension, config: MedicConfig, logger: Logger): Record<string, ActivityFn> {
  const out: Record<string, ActivityFn> = {};
  for (const [name, implemented] of extension.activities) {
    const declaration = declaredActivities().get(name);
    out[name] = async (input: StepInput) => {
      const info = Context.current().info;
      const log = logger.child({ incidentId: input.incidentId, target: input.target, step: name, attempt: info.attempt });
      log.info('step started');
      try {
        const target = Object.hasOwn(config.targets, input.target) ? (config.targets[input.target] as Record<string, unknown>) : undefined;
        const section = declaration?.section;
        if (section !== undefined) {
          if (target === undefined) throw unknownTarget(input.target);
          if (target[section.name] === undefined) {
            throw misconfigured(`target "${input.target}" has no ${section.name} section, so medic cannot run ${name} on it. To fix: add ${section.hint} under targets.${input.target}`);
          }
        }
        const output = await implemented.run(input, { target: target ?? {}, logger: log });
        log.info({ summary: (output as { summary?: string }).summary }, 'step done');
        return output;
      } catch (err) {
        const failure = toActivityFailure(err);
        log.warn({ err: failure instanceof Error ? failure.message : String(failure) }, 'step failed');
        throw failure;
      }
    };
  }
  return out;
}
