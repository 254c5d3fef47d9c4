import { readFileSync } from 'node:fs';
import { z } from 'zod';

// Secrets (routing keys, webhook URLs) are referenced, not copied: activities resolve them when
// they run, so they never enter a workflow's arguments, results or history, and a rotated file
// or variable takes effect without restarting the worker.

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const SecretRefSchema = z.union([
  z.string().min(1),
  z.object({ env: z.string().regex(ENV_NAME, 'must be an environment variable name, e.g. MEDIC_PAGERDUTY_ROUTING_KEY') }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);

/** A literal value, `{ env: NAME }` (read from the worker's environment) or `{ file: path }` (trimmed). */
export type SecretRef = z.infer<typeof SecretRefSchema>;

export class SecretUnavailableError extends Error {
  override readonly name = 'SecretUnavailableError';
  readonly code = 'MEDIC_SECRET_UNAVAILABLE';
}

/** Where a secret comes from, for messages: never the value itself. */
export function describeSecret(ref: SecretRef): string {
  if (typeof ref === 'string') return 'an inline value';
  return 'env' in ref ? `environment variable ${ref.env}` : `file ${ref.file}`;
}

/** Read a secret now. The message of a failure names where it looked, never a value. */
export function resolveSecret(ref: SecretRef, field: string, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof ref === 'string') return ref;
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '') {
      throw new SecretUnavailableError(`${field}: environment variable ${ref.env} is not set on the worker. To fix: export it where \`medic worker\` runs`);
    }
    return value;
  }
  try {
    const value = readFileSync(ref.file, 'utf8').trim();
    if (value === '') throw new Error('the file is empty');
    return value;
  } catch (err) {
    throw new SecretUnavailableError(`${field}: cannot read ${ref.file} (${(err as Error).message}). To fix: make it readable by the worker`);
  }
}
