import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT, runMedic, startMedic, type LongRunning } from '../helpers/processes.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName } from '../helpers/temporal.js';

// `medic replay` checks a user's own playbooks (docs/extensions.md) as `medic worker` runs them:
// the configuration's extension bundled beside medic's workflows. An incident of the user's
// disk-filling playbook is recorded by a real `medic worker`, then replayed on good and broken code.

const FIXTURE = fileURLToPath(new URL('../fixtures/extension/disk-filling/', import.meta.url));
mkdirSync(join(PROJECT_ROOT, 'test-results'), { recursive: true });
const dir = mkdtempSync(join(PROJECT_ROOT, 'test-results', 'replay-extension-'));
let worker: LongRunning | undefined;
let server: Server | undefined;

after(async () => {
  await worker?.stop(10_000).catch(() => undefined);
  server?.close();
  await closeTestTemporal();
  rmSync(dir, { recursive: true, force: true });
});

interface Report {
  ok: boolean;
  extension?: string;
  results: { workflowId: string; playbook: string; ok: boolean; failure?: { kind: string; toFix: string } }[];
}

/** The user's playbook with a step added before it frees the disk: a change running incidents cannot take. */
function brokenExtension(): string {
  const text = readFileSync(join(FIXTURE, 'workflows.ts'), 'utf8').replace("'../../../../workflows/public-api.js'", JSON.stringify(join(PROJECT_ROOT, 'workflows', 'public-api.js')));
  const freeDisk = '    const freed = await pb.step(';
  assert.ok(text.includes(freeDisk), 'the fixture playbook still frees the disk; update this test to its new text');
  const path = join(dir, 'broken-workflows.ts');
  writeFileSync(path, text.replace(freeDisk, `    await pb.step(\`verify \${pb.target} before freeing the disk\`, 'verify');\n${freeDisk}`));
  return path;
}

describe('medic replay of a user extension', () => {
  it("replays the extension's incidents with the configuration's extension bundled in, and names them when the user's playbook changed", async () => {
    server = createServer((s) => s.end());
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const scratch = join(dir, 'scratch');
    mkdirSync(scratch);
    writeFileSync(join(scratch, 'old.log'), 'x'.repeat(1024));
    const config = join(dir, 'medic.yaml');
    const target = { disk: { scratch }, process: { manager: 'command', restart: ['true'], pid: { file: '/nonexistent.pid' } }, verify: { deadline: '10s', checks: [{ type: 'tcp', port, interval: '100ms' }] } };
    writeFileSync(
      config,
      JSON.stringify({
        extension: { workflows: join(FIXTURE, 'workflows.ts'), activities: join(FIXTURE, 'activities.ts') },
        defaultRoute: { playbook: 'disk-filling', target: 'host-1', params: { settleFor: '0s' } },
        targets: { 'host-1': target },
      }),
    );
    const queue = uniqueName('replay extension');
    const env = { TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '', TEMPORAL_NAMESPACE: 'default', MEDIC_TASK_QUEUE: queue, MEDIC_CONFIG: config, MEDIC_WORKER_METRICS: 'off' };
    worker = startMedic(['worker'], env);
    await worker.waitFor(/extension loaded/, 90_000);
    const signal = await runMedic(['signal', '--alertname', 'DiskFilling', '--service', `host-${queue.slice(-8)}`, '--severity', 'warning', '--json'], env);
    assert.equal(signal.code, 0, signal.stderr);
    const { incidentId } = JSON.parse(signal.stdout) as { incidentId: string };
    const { client } = await testTemporal();
    await eventually('the disk-filling incident to recover', async () => ((await client.workflow.getHandle(incidentId).describe()).status.name === 'COMPLETED' ? true : undefined), 60_000);
    await worker.stop(10_000);

    const good = await runMedic(['replay', '--last', '1', '--no-guards', '--json'], env, 120_000);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    const goodReport = JSON.parse(good.stdout) as Report;
    assert.equal(goodReport.extension, join(FIXTURE, 'workflows.ts'), "the configuration's extension was bundled");
    assert.deepEqual(goodReport.results.map((r) => [r.workflowId, r.playbook, r.ok]), [[incidentId, 'disk-filling', true]]);

    const broken = await runMedic(['replay', '--last', '1', '--no-guards', '--extension', brokenExtension()], env, 120_000);
    assert.equal(broken.code, 1, broken.stdout + broken.stderr);
    assert.match(broken.stdout, new RegExp(`FAIL  ${incidentId}  run [0-9a-f-]+  playbook disk-filling`));
    assert.match(broken.stdout, /To fix: in playbook "disk-filling", guard the change with patched\(/);
  });
});
