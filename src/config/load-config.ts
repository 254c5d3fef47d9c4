import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ExtensionError, loadExtension, resolveExtensionPaths, type ExtensionPaths } from '../extension/load-extension.js';
import { ConfigSchema, ExtensionSchema, type MedicConfig } from './config-schema.js';

/** The documented example configuration: what `medic dev` uses when MEDIC_CONFIG is not set. */
export const EXAMPLE_CONFIG_PATH = fileURLToPath(new URL('../../medic.example.yaml', import.meta.url));

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
  return parseConfig(readConfigText(path), path);
}

function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read configuration ${path}: ${(cause as Error).message}. To fix: set MEDIC_CONFIG to a readable file`, path, { cause });
  }
}

/**
 * Load the configuration and, first, the extension it names (its playbooks, activities and target
 * sections must be known before routes and targets are checked). The extension's paths in the
 * result are absolute. What every command that reads the configuration uses.
 */
export async function loadConfigWithExtension(path: string = EXAMPLE_CONFIG_PATH): Promise<MedicConfig> {
  const text = readConfigText(path);
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (cause) {
    throw new ConfigError(`${path}: not valid YAML: ${(cause as Error).message}`, path, { cause });
  }
  const named = (raw as { extension?: unknown }).extension;
  let resolved: { workflows: string; activities?: string } | undefined;
  if (named !== undefined) {
    const shape = ExtensionSchema.safeParse(named);
    if (!shape.success) throw new ConfigError(`${path}: invalid configuration:\n${shape.error.issues.map((i) => `  extension.${i.path.join('.')}: ${i.message}`).join('\n')}`, path);
    try {
      resolved = resolveExtensionPaths(shape.data as ExtensionPaths, path);
      await loadExtension(resolved);
    } catch (err) {
      if (err instanceof ExtensionError) throw new ConfigError(`${path}: extension: ${err.message}`, path, { cause: err });
      throw err;
    }
  }
  const config = parseConfig(text, path);
  return resolved === undefined ? config : { ...config, extension: resolved };
}
