import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../src/worker/create-worker.js';
import { HISTORIES_DIR } from '../helpers/fixtures.js';

// Recorded histories of shipped playbooks must replay on today's code: a change that would break
// incidents already running in production fails here. Re-record (MEDIC_RECORD_FIXTURES=1) only
// for a new scenario, never to make this test pass: guard changes with patched() instead.

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const fixtures = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();
const load = (file: string) => historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')));

describe('replay of recorded incident histories', () => {
  it('has recorded histories of every outcome of http-service-outage', () => {
    for (const name of ['recovered', 'rolled-back', 'escalated']) {
      assert.ok(fixtures.includes(`http-service-outage-${name}.json`), `missing fixture for ${name}`);
    }
  });

  it('replays every recorded history on the current workflow code without nondeterminism', async () => {
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet });
    for (const file of fixtures) {
      await assert.doesNotReject(Worker.runReplayHistory({ workflowBundle }, load(file), file), `${file} no longer replays`);
    }
  });

  it('fails the replay when the workflow code changes what it does', async () => {
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../fixtures/nondeterministic/workflows.ts', import.meta.url)),
      logger: quiet,
    });
    await assert.rejects(
      Worker.runReplayHistory({ workflowBundle }, load('http-service-outage-recovered.json')),
      (err: unknown) => err instanceof DeterminismViolationError,
    );
  });
});
