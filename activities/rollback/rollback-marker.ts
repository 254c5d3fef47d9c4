import { readFile, rm, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ReleaseConfig } from '../../src/config/release-schema.js';

// A rollback is "switch to the version before the current one": run twice, it would go back two
// versions. The marker beside the link remembers which incident switched from what to what, so a
// retried rollback of the same incident finds its own work done and changes nothing.

const MarkerSchema = z.object({ incidentId: z.string(), fromVersion: z.string(), toVersion: z.string(), at: z.string() });
export type RollbackMarker = z.infer<typeof MarkerSchema>;

const markerPath = (cfg: ReleaseConfig): string => `${cfg.currentLink}.medic-rollback.json`;

export async function readMarker(cfg: ReleaseConfig): Promise<RollbackMarker | undefined> {
  try {
    return MarkerSchema.parse(JSON.parse(await readFile(markerPath(cfg), 'utf8')));
  } catch {
    return undefined; // none, or unreadable: behave as if no rollback is in progress
  }
}

export async function writeMarker(cfg: ReleaseConfig, marker: RollbackMarker): Promise<void> {
  await writeFile(markerPath(cfg), `${JSON.stringify(marker)}\n`);
}

export async function clearMarker(cfg: ReleaseConfig): Promise<void> {
  await rm(markerPath(cfg), { force: true });
}
