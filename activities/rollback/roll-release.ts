import type { ProcessConfig } from '../../src/config/process-schema.js';
import type { ReleaseConfig } from '../../src/config/release-schema.js';
import type { RollbackOutput, StepOutput } from '../contract.js';
import { RefusedError } from '../driver-errors.js';
import { restartProcess } from '../restart/restart-process.js';
import { readMarker, writeMarker, clearMarker } from './rollback-marker.js';
import { currentVersion, existingVersion, listVersions, previousVersion } from './releases.js';
import { switchCurrent } from './switch-current.js';

export interface ReleaseTarget {
  target: string;
  incidentId: string;
  release: ReleaseConfig;
  process: ProcessConfig | undefined;
}

/**
 * Switch `current` to the release before it. Idempotent per incident: a retry after a switch finds
 * the marker and reports the same two versions without going back further.
 */
export async function rollBack(t: ReleaseTarget): Promise<RollbackOutput> {
  const field = `targets.${t.target}.release`;
  const current = await currentVersion(t.release, field);
  const marker = await readMarker(t.release);
  let fromVersion: string;
  let toVersion: string;
  const again = marker !== undefined && marker.incidentId === t.incidentId && marker.toVersion === current;
  if (again) {
    ({ fromVersion, toVersion } = marker);
  } else {
    const versions = await listVersions(t.release, field);
    const previous = previousVersion(versions, current);
    if (previous === undefined) {
      throw new RefusedError(`cannot roll ${t.target} back: ${current} is the oldest release in ${t.release.releasesDir} (${versions.join(', ')}). To fix: deploy a known-good version, or fix forward`);
    }
    fromVersion = current;
    toVersion = previous;
    // Written before the switch: if the worker dies in between, the retry recomputes the same pair.
    await writeMarker(t.release, { incidentId: t.incidentId, fromVersion, toVersion, at: new Date().toISOString() });
    await switchCurrent(t.release, toVersion, field);
  }
  let restarted = '';
  if (t.release.restartOnRollback && t.process !== undefined) restarted = `; ${(await restartProcess(t.target, t.process)).summary}`;
  return {
    fromVersion,
    toVersion,
    summary: `rolled ${t.target} back: ${fromVersion} -> ${toVersion} (${t.release.currentLink} now points at ${toVersion})${again ? ', as it already was' : ''}${restarted}`,
    data: { fromVersion, toVersion, alreadyDone: again },
  };
}

/**
 * The undo of a rollback: switch `current` to `version` (params.version) and restart the process
 * so it serves that version again. Idempotent: switching to the current version changes nothing.
 */
export async function rollForward(t: ReleaseTarget, version: unknown): Promise<StepOutput> {
  const field = `targets.${t.target}.release`;
  const toVersion = await existingVersion(t.release, version, field);
  const fromVersion = await currentVersion(t.release, field);
  if (fromVersion !== toVersion) await switchCurrent(t.release, toVersion, field);
  const marker = await readMarker(t.release);
  if (marker?.incidentId === t.incidentId) await clearMarker(t.release);
  const restarted = t.process === undefined ? '' : `; ${(await restartProcess(t.target, t.process)).summary}`;
  return {
    summary: `rolled ${t.target} forward: ${fromVersion} -> ${toVersion}${fromVersion === toVersion ? ' (already there)' : ''}${restarted}`,
    data: { fromVersion, toVersion },
  };
}
