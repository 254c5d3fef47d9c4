import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { sendHumanAction } from '../../src/incidents/human-actions.js';
import { deliverSignal } from '../../src/incidents/open-incident.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { createMedicWorker } from '../../src/worker/create-worker.js';
import { approveUpdate, stateQuery } from '../../workflows/definitions.js';
import type { incidentWorkflow } from '../../workflows/index.js';
import { reported } from '../helpers/chaos-summary.js';
import { within } from '../helpers/deadline.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { testRoute, testSignal } from '../helpers/incidents.js';
import { freePort } from '../helpers/ports.js';
import { slowly } from '../helpers/activity-faults.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName } from '../helpers/temporal.js';

// The Temporal server itself goes away mid-incident: this test runs its own dev server on a
// SQLite file and a fixed port, kills it (teardown is a SIGKILL) twice, once while the incident
// waits for a human and once while a step is running, and starts it again on the same file and
// port. The worker and client are never restarted: they reconnect, and the incident finishes.

const DOWNTIME_MS = 3_000;
const dir = mkdtempSync(join(tmpdir(), 'medic-server-restart-'));
let server: DevServer | undefined;
after(async () => {
  await server?.teardown().catch(() => undefined);
  await closeTestTemporal();
  rmSync(dir, { recursive: true, force: true });
});

describe('Temporal server restart', () => {
  it('the dev server killed and restarted on the same SQLite file, during an approval wait and during a step: the incident finishes', (t) => reported(t, 'Temporal dev server killed and restarted', async (report) => {
    const name = uniqueName(t.name);
    const cliPath = process.env['MEDIC_TEMPORAL_CLI_PATH'];
    assert.ok(cliPath, 'run with scripts/run-tests.ts');
    const { bundle } = await testTemporal(); // the shared bundle; this test's server is its own
    const port = await freePort();
    const dbFilename = join(dir, 'temporal.sqlite');
    const start = () => startDevServer({ cliPath, dbFilename, port, ip: '127.0.0.1' });
    // Down for a few seconds: long enough that pollers, heartbeats and queries fail meanwhile.
    // A fault counts once the server was really down (its port refused a connection) and back.
    const restart = async (why: string) => {
      const t0 = Date.now();
      await server?.teardown();
      await assert.rejects(Connection.connect({ address, connectTimeout: 2_000 }).then((c) => c.close()), 'the server is down');
      await new Promise((r) => setTimeout(r, DOWNTIME_MS));
      server = await start();
      t.diagnostic(`server killed and back in ${Date.now() - t0} ms (${why})`);
      return report.injected(`Temporal dev server killed and restarted ${why}`);
    };
    const address = `127.0.0.1:${port}`;
    server = await start();

    const connection = await Connection.connect({ address });
    const client = new Client({ connection });
    const native = await NativeConnection.connect({ address });
    const fleet = new FakeFleet();
    let restartRunning = false;
    const activities = slowly(fleet.activities, 'restart', 8_000, () => (restartRunning = true));
    const worker = await createMedicWorker({ connection: native, namespace: 'default', taskQueue: name, activities, workflowBundle: bundle });
    const running = worker.run();
    try {
      const route = testRoute({ params: { approveRestart: true, approvalTimeout: '10 minutes' } });
      const delivery = await deliverSignal(client, testSignal(name), route, { taskQueue: name });
      const handle = client.workflow.getHandle<typeof incidentWorkflow>(delivery.incidentId);
      await eventually('the incident to wait for approval', async () => ((await handle.query(stateQuery)).pendingApproval ? true : undefined), 30_000);

      // Fault 1: the server dies while the incident waits for a human.
      report.expectIncidents(1);
      const duringWait = await restart('while the incident waited for approval');
      const waiting = await eventually('the incident to answer again after the restart', async () => handle.query(stateQuery), 60_000);
      assert.equal(waiting.status, 'awaiting-human', 'the wait survived the restart');
      await eventually('the approval to be accepted', async () =>
        sendHumanAction(client, handle.workflowId, approveUpdate, { by: 'alice', reason: 'go ahead' }), 60_000);

      // Fault 2: the server dies while the restart step is running on the worker.
      await eventually('the restart step to be running', async () => (restartRunning ? true : undefined), 30_000);
      const duringStep = await restart('while the restart step was running');

      const done = await report.completion(handle, 130_000);
      assert.equal(done.status, 'COMPLETED', 'the incident finished after the restarts');
      const result = done.result;
      assert.ok(result !== undefined);
      report.survived(duringWait, waiting.status === 'awaiting-human' && result.outcome === 'recovered');
      report.survived(duringStep, result.outcome === 'recovered');
      assert.equal(result.outcome, 'recovered');
      assert.deepEqual(
        result.timeline.filter((e) => e.kind === 'step-succeeded').map((e) => e.step?.split(' ')[0]),
        ['isolate', 'diagnose', 'restart', 'verify', 'rejoin'],
        'every step finished once',
      );
      assert.equal(fleet.order.filter((a) => a === 'isolate').length, 1, 'steps done before the restarts were not run again');
      assert.equal(result.timeline.filter((e) => e.kind === 'approved').length, 1);
      assert.equal(fleet.isolated.size, 0);
    } finally {
      worker.shutdown();
      await within(running, 30_000, 'the worker stopping').catch(() => undefined);
      await connection.close();
      await native.close();
    }
  }));
});
