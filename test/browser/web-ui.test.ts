import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser } from 'playwright-core';
import { deliverSignal } from '../../src/incidents/open-incident.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { createMedicWorker, MEDIC_BUNDLER_OPTIONS, WORKFLOWS_PATH } from '../../src/worker/create-worker.js';
import { stateQuery } from '../../workflows/definitions.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { testRoute, testSignal } from '../helpers/incidents.js';
import { freePort } from '../helpers/processes.js';
import { eventually, uniqueName } from '../helpers/temporal.js';
import { launchChromium, pageText, SCREENSHOTS } from '../helpers/web-ui-page.js';

// The Temporal Web UI, in Debian's Chromium: what an on-call engineer sees of an incident.

const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

let server: TestWorkflowEnvironment | undefined;
let browser: Browser | undefined;
after(async () => {
  await browser?.close();
  await server?.teardown();
});

describe('Temporal Web UI', () => {
  let uiPort = 0;
  before(async () => {
    const cliPath = process.env['MEDIC_TEMPORAL_CLI_PATH'];
    assert.ok(cliPath, 'the test runner provides the Temporal CLI path');
    uiPort = await freePort();
    server = await startDevServer({ cliPath, port: await freePort(), uiPort });
    browser = await launchChromium();
  });

  it('shows an incident found by MedicService with its summary, current details and step summaries', async (t) => {
    assert.ok(server && browser);
    const name = uniqueName(t.name);
    const service = `web-${name.slice(0, 20)}`;
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const native = await NativeConnection.connect({ address: server.address });
    const fleet = new FakeFleet({ restart: ['hang'] });
    const worker = await createMedicWorker({
      connection: native,
      namespace: 'default',
      taskQueue: name,
      activities: fleet.activities,
      workflowBundle: await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger, ...MEDIC_BUNDLER_OPTIONS }),
    });
    const running = worker.run();
    try {
      const signal = testSignal(name, { service });
      const { incidentId } = await deliverSignal(client, signal, testRoute(), { taskQueue: name });
      const handle = client.workflow.getHandle(incidentId);
      await eventually('the restart to be running', async () => ((await handle.query(stateQuery)).runningStep?.startsWith('restart') ? true : undefined));

      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const query = encodeURIComponent(`MedicService="${service}"`);
      await page.goto(`http://127.0.0.1:${uiPort}/namespaces/default/workflows?query=${query}`);
      const row = page.getByRole('link', { name: incidentId });
      await row.waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SCREENSHOTS, 'incident-list.png') });
      await row.click();

      await page.getByText('User Metadata', { exact: true }).click();
      const body = await pageText(page, /Running step:/);
      assert.ok(body.includes(`HighErrorRate on ${service} (critical)`), 'the summary is shown');
      assert.match(body, /Status:\s*recovering/);
      assert.match(body, /Running step:\s*restart checkout-api-1 \(first attempt\) \(attempt 1 of 3\)/);
      assert.match(body, /Playbook:\s*http-service-outage on\s*checkout-api-1/);
      await page.screenshot({ path: join(SCREENSHOTS, 'incident-details.png'), fullPage: true });

      await page.getByText('Event History').first().click();
      const history = await pageText(page, /isolate checkout-api-1 \(attempt 1 of 3\)/);
      for (const step of ['isolate checkout-api-1 (attempt 1 of 3)', 'diagnose checkout-api-1 (attempt 1 of 3)', 'restart checkout-api-1 (first attempt) (attempt 1 of 3)']) {
        assert.ok(history.includes(step), `the event history shows the summary "${step}"`);
      }
      await page.screenshot({ path: join(SCREENSHOTS, 'incident-history.png'), fullPage: true });
      await handle.cancel();
    } finally {
      worker.shutdown();
      await running;
      await native.close();
      await connection.close();
    }
  });
});
