import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfigWithExtension } from '../../src/config/load-config.js';
import { deliverSignal } from '../../src/incidents/open-incident.js';
import { timelineQuery, type IncidentResult } from '../../workflows/definitions.js';
import { runMedic, startMedic, type LongRunning } from '../helpers/processes.js';
import { testSignal } from '../helpers/incidents.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName } from '../helpers/temporal.js';

// A user's playbook and activity, kept outside medic's sources, loaded by `medic worker` from the
// configuration's `extension` (issue 14, item 2). The fixture imports medic's public playbook API.

const FIXTURE = fileURLToPath(new URL('../fixtures/extension/disk-filling/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Inside the checkout, so the user's modules resolve zod as a user's repository would.
mkdirSync(join(ROOT, 'test-results'), { recursive: true });
const dir = mkdtempSync(join(ROOT, 'test-results', 'extension-'));

after(closeTestTemporal);

/** A configuration file naming the fixture extension, with the given routes and targets (YAML as JSON). */
function writeConfig(name: string, body: Record<string, unknown>, extension: Record<string, string> = { workflows: join(FIXTURE, 'workflows.ts'), activities: join(FIXTURE, 'activities.ts') }): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, JSON.stringify({ extension, ...body }, null, 2));
  return path;
}

/** A module of the user's, written into the temp folder (it imports medic's public API by absolute path). */
function writeModule(name: string, source: string): string {
  const path = join(dir, `${name}.ts`);
  writeFileSync(path, source.replaceAll('MEDIC/', ROOT));
  return path;
}

/** What the playbook's shipped activities need besides its own disk section (restart, verify). */
const shippedSections = (port: number) => ({ process: { manager: 'command', restart: ['true'], pid: { file: '/nonexistent.pid' } }, verify: { deadline: '10s', checks: [{ type: 'tcp', port, interval: '100ms' }] } });

const diskRoute = (target: string, params: Record<string, unknown> = {}) => ({ defaultRoute: { playbook: 'disk-filling', target, params } });

describe('user extension: configuration', () => {
  it('routes may name the extension playbook; its parameters and its target section are checked when the configuration loads', async () => {
    const ok = await loadConfigWithExtension(writeConfig('ok', { ...diskRoute('host-1'), targets: { 'host-1': { disk: { scratch: '/tmp' }, ...shippedSections(9) } } }));
    assert.equal(ok.defaultRoute?.playbook, 'disk-filling');
    assert.equal(ok.extension?.workflows, join(FIXTURE, 'workflows.ts'), 'the path is absolute in the loaded configuration');

    await assert.rejects(loadConfigWithExtension(writeConfig('typo', diskRoute('host-1', { approvalTimeout: '10 minuets' }))), /defaultRoute\.params\.approvalTimeout/);
    await assert.rejects(loadConfigWithExtension(writeConfig('section', { targets: { 'host-1': { disk: { scrach: '/tmp' } } } })), /targets\.host-1\.disk/);
    await assert.rejects(
      loadConfigWithExtension(writeConfig('missing', { ...diskRoute('host-2'), targets: { 'host-2': shippedSections(9) } })),
      /disk-filling on host-2 needs a disk section \(scratch: a folder\) for free-disk/,
    );
  });

  it('a playbook named like one of medic\'s is an error that names both', async () => {
    const clash = writeModule(
      'clash-playbook',
      `import { z } from 'zod';
import { definePlaybook } from 'MEDIC/workflows/public-api.js';
export const playbooks = [definePlaybook({ name: 'http-service-outage', description: 'my own outage playbook', params: z.object({}), activities: ['escalate'], stopsOnResolve: true, async run() { return 'escalated'; } })];
`,
    );
    await assert.rejects(loadConfigWithExtension(writeConfig('clash-pb', {}, { workflows: clash })), /two playbooks are named "http-service-outage" \(".*" and "my own outage playbook"\)\. To fix: rename one/);
  });

  it('an activity named like one of medic\'s, or declared without an implementation, is an error that says what to do', async () => {
    const shipped = writeModule(
      'clash-activity',
      `import { defineActivity } from 'MEDIC/workflows/public-api.js';
export const mine = defineActivity('restart', { effect: 'changes', timeout: '1 minute', retry: 'careful', dryRun: { summary: 'dry' } });
export const playbooks = [];
`,
    );
    await assert.rejects(loadConfigWithExtension(writeConfig('clash-act', {}, { workflows: shipped })), /has the name of medic's own "restart" activity.*To fix: rename yours/);

    const unimplemented = writeModule(
      'unimplemented',
      `import { z } from 'zod';
import { defineActivity, definePlaybook } from 'MEDIC/workflows/public-api.js';
const purge = defineActivity('purge-cache', { effect: 'changes', timeout: '1 minute', retry: 'careful', dryRun: { summary: 'dry' } });
export const playbooks = [definePlaybook({ name: 'cache-bloat', description: 'purge', params: z.object({}), activities: [purge], stopsOnResolve: true, async run(pb) { await pb.step('purge', purge); return 'recovered'; } })];
`,
    );
    await assert.rejects(loadConfigWithExtension(writeConfig('unimpl', {}, { workflows: unimplemented })), /"purge-cache" is declared in .* but not implemented\. To fix: export implement\(purge-cache/);
  });

  it('a path that does not exist names the field and the folder it was resolved against', async () => {
    await assert.rejects(loadConfigWithExtension(writeConfig('nofile', {}, { workflows: './nowhere.ts' })), /extension\.workflows: .*nowhere\.ts does not exist/);
  });
});

describe('user extension: medic worker', () => {
  let server: Server;
  let worker: LongRunning;
  let env: NodeJS.ProcessEnv;
  const scratch = (host: string) => join(dir, `scratch-${host}`);
  const fill = (host: string) => {
    mkdirSync(scratch(host), { recursive: true });
    for (const f of ['a.log', 'b.log', 'core.1']) writeFileSync(join(scratch(host), f), 'x'.repeat(1024));
  };
  const open = async (host: string, id: string) => {
    const { client } = await testTemporal();
    const route = { route: 'default', playbook: 'disk-filling', target: host, dryRun: false, params: { settleFor: '0s' } };
    const delivery = await deliverSignal(client, testSignal(id), route, { taskQueue: env['MEDIC_TASK_QUEUE'] as string });
    return client.workflow.getHandle(delivery.incidentId);
  };

  before(async () => {
    // What verify checks: a listening port stands for a healthy host.
    server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const targets = Object.fromEntries(['host-1', 'host-2'].map((h) => [h, { disk: { scratch: scratch(h) }, ...shippedSections(port) }]));
    const config = writeConfig('worker', { ...diskRoute('host-1', { settleFor: '0s' }), targets });
    env = { TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '', MEDIC_TASK_QUEUE: uniqueName('user-extension-worker'), MEDIC_CONFIG: config, MEDIC_WORKER_METRICS: 'off' };
    worker = startMedic(['worker'], env);
    await worker.waitFor(/extension loaded/);
  });
  after(async () => {
    await worker?.stop();
    server?.close();
  });

  it('runs the extension playbook and its own activity beside the shipped ones, from the configuration alone', async () => {
    fill('host-1');
    const handle = await open('host-1', uniqueName('disk-1'));
    const result = (await handle.result()) as IncidentResult;
    const lines = result.timeline.map((e) => `${e.kind}: ${e.message}`);
    assert.equal(result.outcome, 'recovered', lines.join('\n'));
    assert.deepEqual(readdirSync(scratch('host-1')), [], 'the activity ran for real on the configured folder');
    assert.ok(lines.includes(`step-succeeded: free disk on host-1: removed 3 file(s) from ${scratch('host-1')}`), lines.join('\n'));
    assert.ok(lines.includes('note: removed 3 file(s)'), 'the playbook read the typed output of its own activity');
    assert.match(worker.output, /"playbooks":\["disk-filling"\]/);
  });

  it('the kill switch holds the extension activity that changes its target, from its declared effect alone', async () => {
    fill('host-2');
    const paused = await runMedic(['pause', '--by', 'ops-lead', '--reason', 'disk migration'], env);
    assert.equal(paused.code, 0, paused.stderr);
    const handle = await open('host-2', uniqueName('disk-2'));
    await eventually('the hold before free-disk', async () => ((await handle.query(timelineQuery)).some((e) => e.message.startsWith('held before free-disk: medic is paused')) ? true : undefined), 30_000);
    assert.equal(readdirSync(scratch('host-2')).length, 3, 'nothing was deleted while medic was paused');
    const resumed = await runMedic(['resume', '--by', 'ops-lead', '--reason', 'done'], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    const result = (await handle.result()) as IncidentResult;
    assert.equal(result.outcome, 'recovered');
    assert.deepEqual(readdirSync(scratch('host-2')), [], 'it ran once resumed');
  });
});
