import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../package-root.js';
import { ConfigSchema, type MedicConfig } from './config-schema.js';

/** The documented example configuration: what `medic dev` uses when MEDIC_CONFIG is not set. */
export const EXAMPLE_CONFIG_PATH = join(PACKAGE_ROOT, 'medic.example.yaml');

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'MEDIC_CONFIG_INVALID';
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Parse and validate configuration text; the error names the file and the bad field. */
export function parseConfig(text: string, path: string): MedicConfig {
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (cause) {
    throw new ConfigError(`${path}: not valid YAML: ${(cause as Error).message}`, path, { cause });
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new ConfigError(`${path}: invalid configuration:\n${lines.join('\n')}`, path);
  }
  return parsed.data;
}

export function loadConfig(path: string = EXAMPLE_CONFIG_PATH): MedicConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read configuration ${path}: ${(cause as Error).message}. To fix: set MEDIC_CONFIG to a readable file`, path, { cause });
  }
  return parseConfig(text, path);
}
