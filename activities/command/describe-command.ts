import type { CommandConfig } from '../../src/config/command-schema.js';
import { describeSecret } from '../../src/config/secret-ref.js';
import type { Params } from '../../workflows/definitions.js';

/**
 * What a configured command is, fit for a timeline or a dry run: the argv, the working folder and
 * where each environment variable comes from, never a value (a literal may be a token).
 */
export function describeCommand(action: string, cfg: CommandConfig): Params {
  const env: Params = {};
  for (const [name, ref] of Object.entries(cfg.env)) env[name] = `<redacted: ${describeSecret(ref)}>`;
  return {
    action,
    argv: [...cfg.argv],
    effect: cfg.effect,
    timeoutMs: cfg.timeout,
    retryable: cfg.retryable,
    ...(cfg.cwd !== undefined && { cwd: cfg.cwd }),
    ...(Object.keys(env).length > 0 && { env }),
  };
}
