import { readdir, readlink, stat } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import type { ReleaseConfig } from '../../src/config/release-schema.js';
import { MisconfigurationError } from '../driver-errors.js';

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

/** Versions sort the way people number them: v9 before v10, 2024-01-02 before 2024-01-10. */
const byVersion = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** The release folders of a target, oldest first. */
export async function listVersions(cfg: ReleaseConfig, field: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(cfg.releasesDir, { withFileTypes: true });
  } catch (err) {
    throw new MisconfigurationError(`cannot list ${cfg.releasesDir} (${field}.releasesDir): ${(err as Error).message}. To fix: point it at the folder that holds one folder per release`);
  }
  return entries.filter((e) => e.isDirectory() && VERSION.test(e.name)).map((e) => e.name).sort(byVersion);
}

/** The version `currentLink` points at now. */
export async function currentVersion(cfg: ReleaseConfig, field: string): Promise<string> {
  let target: string;
  try {
    target = await readlink(cfg.currentLink);
  } catch (err) {
    throw new MisconfigurationError(`cannot read the symlink ${cfg.currentLink} (${field}.currentLink): ${(err as Error).message}. To fix: it must be a symlink to a folder of ${cfg.releasesDir}`);
  }
  const absolute = resolve(dirname(cfg.currentLink), target);
  if (dirname(absolute) !== resolve(cfg.releasesDir)) {
    throw new MisconfigurationError(`${cfg.currentLink} points at ${absolute}, which is not a folder of ${cfg.releasesDir}. To fix: correct ${field}, or point the link at a release folder`);
  }
  return basename(absolute);
}

/** Check a version named by a step's parameters: a plain folder name of releasesDir, never a path. */
export async function existingVersion(cfg: ReleaseConfig, version: unknown, field: string): Promise<string> {
  if (typeof version !== 'string' || !VERSION.test(version)) {
    throw new MisconfigurationError(`"${String(version)}" is not a release version (a folder name of letters, digits, . _ + -). To fix: pass params.version naming a folder of ${cfg.releasesDir}`);
  }
  try {
    if (!(await stat(resolve(cfg.releasesDir, version))).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new MisconfigurationError(`release ${version} does not exist in ${cfg.releasesDir} (${field}). To fix: deploy it again, or roll forward to a version that exists`);
  }
  return version;
}

/** The link text for a version: relative, so the whole tree can be moved or mounted elsewhere. */
export const linkTextFor = (cfg: ReleaseConfig, version: string): string =>
  relative(dirname(resolve(cfg.currentLink)), resolve(cfg.releasesDir, version));

/** The newest version older than `current`, or undefined when `current` is the oldest. */
export function previousVersion(versions: string[], current: string): string | undefined {
  return versions.filter((v) => byVersion(v, current) < 0).at(-1);
}
