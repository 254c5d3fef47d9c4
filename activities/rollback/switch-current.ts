import { randomBytes } from 'node:crypto';
import { rename, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ReleaseConfig } from '../../src/config/release-schema.js';
import { MisconfigurationError } from '../driver-errors.js';
import { linkTextFor } from './releases.js';

/**
 * Point `currentLink` at releases/<version> atomically: make a new symlink beside it, then rename
 * it over the old one. rename(2) replaces the link in one step, so a process starting meanwhile
 * sees either the old release or the new one, never a missing link.
 */
export async function switchCurrent(cfg: ReleaseConfig, version: string, field: string): Promise<void> {
  const link = cfg.currentLink;
  const temp = join(dirname(link), `.${basename(link)}.medic-${randomBytes(6).toString('hex')}`);
  try {
    await symlink(linkTextFor(cfg, version), temp);
    await rename(temp, link);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw new MisconfigurationError(`cannot switch ${link} to release ${version} (${field}): ${(err as Error).message}. To fix: the worker needs write access to ${dirname(link)}`);
  }
}
