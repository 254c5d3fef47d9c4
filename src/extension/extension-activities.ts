import type { Logger } from 'pino';
import { declaredActivities } from '../../activities/declarations.js';
import { misconfigured, unknownTarget } from '../../activities/failures.js';
import { loggedStep } from '../../activities/support/logged-step.js';
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
  const step = loggedStep(logger);
  for (const [name, implemented] of extension.activities) {
    const declaration = declaredActivities().get(name);
    out[name] = step(async (input: StepInput, log) => {
      const target = Object.hasOwn(config.targets, input.target) ? (config.targets[input.target] as Record<string, unknown>) : undefined;
      const section = declaration?.section;
      if (section !== undefined) {
        if (target === undefined) throw unknownTarget(input.target);
        if (target[section.name] === undefined) {
          throw misconfigured(`target "${input.target}" has no ${section.name} section, so medic cannot run ${name} on it. To fix: add ${section.hint} under targets.${input.target}`);
        }
      }
      return implemented.run(input, { target: target ?? {}, logger: log });
    });
  }
  return out;
}
