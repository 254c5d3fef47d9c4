import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { Browser } from 'playwright-core';
import { reported } from '../helpers/chaos-summary.js';
import { freePort, runMedic, startMedic, type LongRunning } from '../helpers/processes.js';
import { findSecrets, secretForms } from '../helpers/secret-scan.js';
import { launchChromium, pageText, SCREENSHOTS } from '../helpers/web-ui-page.js';

// `medic dev` with MEDIC_ENCRYPTION_KEY: Temporal stores ciphertext, and the Web UI, pointed by
// medic dev at its own codec endpoint, shows the incident decrypted in the browser (Debian's
// Chromium): the summary and the input. The UI's own API still serves ciphertext.

const dir = mkdtempSync(join(tmpdir(), 'medic-ui-codec-'));
let dev: LongRunning | undefined;
let browser: Browser | undefined;
let connection: Connection | undefined;
after(async () => {
  await browser?.close();
  await connection?.close();
  await dev?.stop(30_000);
  rmSync(dir, { recursive: true, force: true });
});

describe('Web UI with encrypted payloads', () => {
  it('medic dev gives the Web UI its codec endpoint, and the UI shows an encrypted incident decrypted', (t) => reported(t, 'Web UI decrypts through the codec endpoint', async (report) => {
    const cli = process.env['MEDIC_TEMPORAL_CLI_PATH'];
    assert.ok(cli, 'the test runner provides the Temporal CLI path');
    const [port, uiPort, codecPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const marker = `ticket-${randomBytes(5).toString('hex')}`;
    const service = `vault-${randomBytes(3).toString('hex')}`;
    const config = join(dir, 'medic.yaml');
    // The marker is the route's target: part of the incident's (encrypted) input, and of no search attribute.
    writeFileSync(config, `defaultRoute:\n  playbook: diagnose-and-escalate\n  target: ${marker}\n  params: { ackTimeout: 1 hour }\n`);
    const env = {
      TEMPORAL_CLI: cli,
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      MEDIC_TASK_QUEUE: 'medic',
      MEDIC_CONFIG: config,
      MEDIC_WORKER_METRICS: `127.0.0.1:${metricsPort}`,
      MEDIC_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      MEDIC_ENCRYPTION_KEY_FILE: '',
    };
    dev = startMedic(['dev', '--port', String(port), '--ui-port', String(uiPort), '--codec-port', String(codecPort), '--db', join(dir, 'dev.sqlite')], env);
    await dev.waitFor(/worker ready/, 120_000);
    assert.match(dev.output, /payloads are encrypted; the Web UI decrypts them through this codec endpoint/);

    const signal = await runMedic(['signal', '--alertname', 'VaultSealed', '--service', service, '--severity', 'critical', '--json'], env);
    assert.equal(signal.code, 0, signal.stderr);
    const { incidentId } = JSON.parse(signal.stdout) as { incidentId: string };
    report.expectIncidents(1);

    // What the UI server itself hands out is ciphertext: only the browser decrypts, via the codec.
    // The marker is looked for as is and base64-encoded at each of the three byte alignments, since
    // a payload's bytes show base64-encoded in the UI's JSON wherever the marker falls in them.
    const api = await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/namespaces/default/workflows/${incidentId}/history`)).text();
    assert.equal(secretForms(marker).filter((f) => f.form.startsWith('base64@')).length, 3, 'the scan covers every base64 alignment');
    for (const prefix of ['', 'a', 'ab']) {
      const control = Buffer.from(`${prefix}${marker}`).toString('base64');
      assert.ok(findSecrets('control', control, [marker]).length > 0, `the scan finds the marker base64-encoded after ${prefix.length} bytes`);
    }
    const leaks = findSecrets('Web UI API history', api, [marker]);
    report.secrets(leaks);
    assert.deepEqual(leaks, [], 'the UI API serves no plaintext');

    browser = await launchChromium();
    const failureScreenshot = 'ui-codec-failure.png';
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const decodeCalls: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(`http://127.0.0.1:${codecPort}/`)) decodeCalls.push(r.url());
    });
    await page.goto(`http://127.0.0.1:${uiPort}/namespaces/default/workflows/${incidentId}`);
    await pageText(page, new RegExp(marker), { timeoutMs: 45_000, failureScreenshot }); // the input, decrypted
    await page.getByText('User Metadata', { exact: true }).click();
    const text = await pageText(page, new RegExp(`VaultSealed on ${service} \\(critical\\)`), { failureScreenshot }); // the summary, decrypted
    assert.ok(!/binary\/encrypted/.test(text), 'no payload is left encrypted on the page');
    assert.ok(decodeCalls.some((u) => new URL(u).pathname === '/decode'), 'the browser decrypted through the codec endpoint');
    await page.screenshot({ path: join(SCREENSHOTS, 'incident-decrypted.png'), fullPage: true });

    // The incident waits for an ack: a human aborts it, and the server must say it completed.
    const abort = await runMedic(['abort', incidentId, '--by', 'test', '--reason', 'web ui test finished'], env);
    assert.equal(abort.code, 0, abort.stderr);
    connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    const done = await report.completion(new Client({ connection }).workflow.getHandle(incidentId), 60_000);
    assert.equal(done.status, 'COMPLETED', 'the aborted incident completed');
  }));
});
