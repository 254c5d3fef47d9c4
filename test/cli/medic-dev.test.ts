import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort, runMedic, startMedic, type LongRunning } from '../helpers/processes.js';

// The newcomer's path, as processes: `medic dev`, then `medic signal`, `medic show`, the Web UI,
// Ctrl-C, and a second `medic dev` on the same SQLite file that still has the incidents.

const dir = mkdtempSync(join(tmpdir(), 'medic-dev-'));
let dev: LongRunning | undefined;
after(async () => {
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function uiJson(uiPort: number, path: string): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${uiPort}${path}`);
  assert.equal(res.status, 200, `GET ${path}`);
  return res.json();
}

describe('medic dev', () => {
  it('runs the dev server, Web UI and worker; incidents opened by medic signal survive a restart', async () => {
    const [port, uiPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const cli = process.env['MEDIC_TEMPORAL_CLI_PATH'];
    assert.ok(cli, 'the test runner provides the Temporal CLI path');
    const env = { TEMPORAL_CLI: cli, TEMPORAL_ADDRESS: `127.0.0.1:${port}`, MEDIC_TASK_QUEUE: 'medic', MEDIC_WORKER_METRICS: `127.0.0.1:${metricsPort}` };
    const devArgs = ['dev', '--port', String(port), '--ui-port', String(uiPort), '--db', join(dir, 'dev.sqlite')];

    dev = startMedic(devArgs, env);
    await dev.waitFor(/worker ready/);
    const page = await fetch(`http://127.0.0.1:${uiPort}/`);
    assert.equal(page.status, 200, 'the Web UI answers');
    assert.match(await page.text(), /<html/i);

    const signal = await runMedic(['signal', '--alertname', 'DiskFilling', '--service', 'billing', '--severity', 'warning', '--json'], env);
    assert.equal(signal.code, 0, signal.stderr);
    const { incidentId } = JSON.parse(signal.stdout) as { incidentId: string };
    assert.match(incidentId, /^incident-[0-9a-f]{16}$/);

    let show = await runMedic(['show', incidentId], env);
    for (let i = 0; i < 50 && !/escalated to a human/.test(show.stdout); i++) {
      await new Promise((r) => setTimeout(r, 200));
      show = await runMedic(['show', incidentId], env);
    }
    assert.match(show.stdout, /firing: DiskFilling on billing/);
    assert.match(show.stdout, /escalated to a human/);

    const approve = await runMedic(['approve', incidentId, '--by', 'me', '--reason', 'why not'], env);
    assert.equal(approve.code, 5, 'a rejected action exits 5');
    assert.equal(approve.stderr.trim().split('\n').length, 1, 'one clear line');
    assert.match(approve.stderr, /approve rejected: nothing to approve/);

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(metrics, /medic_escalations\{[^}]*playbook="diagnose-and-escalate"[^}]*\} 1/, 'the worker exports medic figures');
    assert.match(metrics, /medic_step_attempts\{[^}]*activity="escalate"[^}]*result="succeeded"/);

    const listed = (await uiJson(uiPort, `/api/v1/namespaces/default/workflows?query=${encodeURIComponent('MedicService="billing"')}`)) as {
      executions?: Array<{ execution?: { workflowId?: string } }>;
    };
    assert.ok(listed.executions?.some((e) => e.execution?.workflowId === incidentId), 'the Web UI lists the incident by MedicService');

    assert.equal(await dev.stop(), 0, 'Ctrl-C stops everything cleanly');
    const unreachable = await runMedic(['show', incidentId], env);
    assert.equal(unreachable.code, 3, 'Temporal unreachable exits 3');

    dev = startMedic(devArgs, env);
    await dev.waitFor(/worker ready/);
    const again = await runMedic(['show', incidentId], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /escalated to a human/, 'the second medic dev still has the first one\'s incident');
    const ack = await runMedic(['ack', incidentId, '--by', 'me', '--reason', 'on it'], env);
    assert.equal(ack.code, 0, ack.stderr);
    assert.match(ack.stdout, /is now escalated/);
  });
});
