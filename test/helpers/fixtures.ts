import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

export const HISTORIES_DIR = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

/**
 * With MEDIC_RECORD_FIXTURES=1, save this incident's history as a replay fixture.
 * Re-record only on purpose: fixtures are what running incidents look like to a new worker.
 */
export async function saveHistoryFixture(name: string, handle: WorkflowHandle): Promise<void> {
  if (process.env['MEDIC_RECORD_FIXTURES'] !== '1') return;
  mkdirSync(HISTORIES_DIR, { recursive: true });
  const history = await handle.fetchHistory();
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), historyToJSON(history));
}
