import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { MEDIC_BUNDLER_OPTIONS, WORKFLOWS_PATH } from '../../src/worker/create-worker.js';
import { HISTORIES_DIR, loadHistoryFixture } from '../helpers/fixtures.js';

// Recorded histories of shipped playbooks must replay on today's code: a change that would break
// incidents already running in production fails here. Re-record (MEDIC_RECORD_FIXTURES=1) only
// for a new scenario, never to make this test pass: guard changes with patched() instead.

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const fixtures = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();

describe('replay of recorded incident histories', () => {
  it('has recorded histories of every outcome of http-service-outage, with and without the guards', () => {
    const required = ['recovered', 'rolled-back', 'escalated', 'guarded-holder', 'guarded-joined', 'blast-radius-refused', 'budget-refused', 'paused'];
    for (const name of required) {
      assert.ok(fixtures.includes(`http-service-outage-${name}.json`), `missing fixture for ${name}`);
    }
    assert.ok(fixtures.includes('guard-workflow-paused-and-resumed.json'), 'missing fixture of the guard workflow');
  });

  it('replays every recorded history on the current workflow code without nondeterminism', async () => {
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet, ...MEDIC_BUNDLER_OPTIONS });
    for (const file of fixtures) {
      const { workflowId, history } = loadHistoryFixture(file);
      await assert.doesNotReject(Worker.runReplayHistory({ workflowBundle }, history, workflowId), `${file} no longer replays`);
    }
  });

  it('fails the replay when the workflow code changes what it does', async () => {
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../fixtures/nondeterministic/workflows.ts', import.meta.url)),
      logger: quiet,
    });
    const { workflowId, history } = loadHistoryFixture('http-service-outage-recovered.json');
    await assert.rejects(Worker.runReplayHistory({ workflowBundle }, history, workflowId), (err: unknown) => err instanceof DeterminismViolationError);
  });

  it('a guarded history replayed under another workflow id is not the recorded run, and fails', async () => {
    // Why fixtures keep their workflow id: guard request ids carry the incident id.
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet, ...MEDIC_BUNDLER_OPTIONS });
    const { history } = loadHistoryFixture('http-service-outage-guarded-holder.json');
    await assert.rejects(Worker.runReplayHistory({ workflowBundle }, history, 'some-other-id'), (err: unknown) => err instanceof DeterminismViolationError);
  });
});
