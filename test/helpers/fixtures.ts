import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { z } from 'zod';

export const HISTORIES_DIR = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

// A history alone does not name its workflow, yet workflow code reads its own id (the incident id
// is in every guard request id): a replay under another id is not the run that was recorded and
// can diverge. So a fixture keeps the id it ran under, and replays under it.
const HistoryFixtureSchema = z.object({
  workflowId: z.string().min(1),
  history: z.looseObject({ events: z.array(z.unknown()).min(1) }),
});

/**
 * With MEDIC_RECORD_FIXTURES=1, save this incident's history (and its workflow id) as a replay
 * fixture, if there is none by that name yet: a fixture recorded by older code is the point of the
 * replay test, so it is only replaced on purpose, with MEDIC_RECORD_FIXTURES=overwrite.
 */
export async function saveHistoryFixture(name: string, handle: WorkflowHandle): Promise<void> {
  const mode = process.env['MEDIC_RECORD_FIXTURES'];
  if (mode !== '1' && mode !== 'overwrite') return;
  if (mode === '1' && existsSync(join(HISTORIES_DIR, `${name}.json`))) return;
  mkdirSync(HISTORIES_DIR, { recursive: true });
  const history = JSON.parse(historyToJSON(await handle.fetchHistory())) as unknown;
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), `${JSON.stringify({ workflowId: handle.workflowId, history }, null, 2)}\n`);
}

/** A recorded fixture: the history to replay and the workflow id to replay it under. */
export function loadHistoryFixture(file: string) {
  const path = join(HISTORIES_DIR, file);
  const parsed = HistoryFixtureSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} is not a history fixture ({ workflowId, history }): ${z.prettifyError(parsed.error)}`);
  return { workflowId: parsed.data.workflowId, history: historyFromJSON(parsed.data.history) };
}
