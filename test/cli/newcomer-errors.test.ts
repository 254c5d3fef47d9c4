import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, runMedic } from '../helpers/processes.js';

// What a newcomer meets first when something is off: each message names what they typed (or
// should type), the address and the variable, and says "To fix:".

const dir = mkdtempSync(join(tmpdir(), 'medic-newcomer-'));
let busy: Server;
let busyAddress: string;

before(async () => {
  const port = await freePort();
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(port, '127.0.0.1', resolve));
  busyAddress = `127.0.0.1:${port}`;
});
after(async () => {
  await new Promise((resolve) => busy.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const temporal = () => ({ TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '', MEDIC_CONFIG: '' });

describe('newcomer errors', () => {
  it('medic signal with no flags asks for --alertname, not for a fingerprint nobody named', async () => {
    const r = await runMedic(['signal'], temporal());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /signal field "alertname": required.*To fix: give --alertname, e.g\. medic signal --alertname DiskFilling --service billing/);
    assert.doesNotMatch(r.stderr, /fingerprint"/);
    const noService = await runMedic(['signal', '--alertname', 'DiskFilling'], temporal());
    assert.match(noService.stderr, /signal field "service": required.*To fix: give --service/);
  });

  it('a port clash on the worker\'s metrics names the address and MEDIC_WORKER_METRICS', async () => {
    const r = await runMedic(['worker'], { ...temporal(), MEDIC_WORKER_METRICS: busyAddress });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`cannot serve the worker's Prometheus metrics on ${busyAddress} \\(MEDIC_WORKER_METRICS\\): .*in use.*To fix: .*set MEDIC_WORKER_METRICS to a free host:port \\(or off\\)`));
  });

  it('a configuration error is reported first, not hidden behind a metrics port clash', async () => {
    const config = join(dir, 'broken.yaml');
    writeFileSync(config, 'routes:\n  - name: r\n    playbook: reboot-everything\n    target: a\n');
    const r = await runMedic(['worker'], { ...temporal(), MEDIC_CONFIG: config, MEDIC_WORKER_METRICS: busyAddress });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /routes\.0\.playbook: unknown playbook/);
    assert.doesNotMatch(r.stderr, /metrics/);
  });
});
