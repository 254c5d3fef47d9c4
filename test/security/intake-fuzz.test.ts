import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { incidentWorkflowId } from '../../workflows/definitions.js';
import { reported } from '../helpers/chaos-summary.js';
import { HostileGenerator, type HostileRequest } from '../helpers/hostile-inputs.js';
import { metricValue } from '../helpers/intake.js';
import { KeepAliveClient, mapBounded, rawHttp, type RawAnswer } from '../helpers/load.js';
import { freePort, startMedic, type LongRunning } from '../helpers/processes.js';
import { closeTestTemporal, testTemporal, uniqueName } from '../helpers/temporal.js';

// A fuzz test of `medic intake` as it runs in production (its own process, token and HMAC secret
// set): a seeded generator of hostile requests against all three POST endpoints. Each must be
// refused with a 4xx and a JSON {error, message}; the process never falls over; and nothing a
// refused request named becomes an incident. Reproduce a failure with MEDIC_FUZZ_SEED=<seed>.

const SEED = Number(process.env['MEDIC_FUZZ_SEED'] ?? 20261123);
const CASES = Number(process.env['MEDIC_FUZZ_CASES'] ?? 720);
const BODY_LIMIT = 64 * 1024;
const TOKEN = 'fuzz-intake-token';
const HMAC = 'fuzz-intake-hmac-secret';

const dir = mkdtempSync(join(tmpdir(), 'medic-fuzz-'));
let intake: LongRunning | undefined;
let intakePort = 0;
after(async () => {
  await intake?.stop(5_000);
  await closeTestTemporal();
  rmSync(dir, { recursive: true, force: true });
});

function metricSum(text: string, name: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('intake fuzz', () => {
  it(`refuses ${CASES} hostile requests with a 4xx JSON error, stays up, and opens no incident`, (t) => reported(t, `intake fuzz (seed ${SEED})`, async (report) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    const port = await freePort();
    intakePort = port;
    const config = join(dir, 'medic.yaml');
    writeFileSync(config, 'defaultRoute:\n  playbook: diagnose-and-escalate\n  targetFromLabel: instance\n');
    intake = startMedic(['intake', '--host', '127.0.0.1', '--port', String(port), '--body-limit', String(BODY_LIMIT)], {
      TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '',
      MEDIC_CONFIG: config,
      MEDIC_INTAKE_TOKEN: TOKEN,
      MEDIC_INTAKE_HMAC_SECRET: HMAC,
      MEDIC_TASK_QUEUE: name,
      MEDIC_LOG_LEVEL: 'info',
    });
    await intake.waitFor(/intake ready/, 60_000);
    const http = new KeepAliveClient(`http://127.0.0.1:${port}`, 8);
    t.diagnostic(`seed ${SEED}, ${CASES} cases (MEDIC_FUZZ_SEED=${SEED} reproduces this run)`);

    const generator = new HostileGenerator(SEED, { token: TOKEN, hmacSecret: HMAC, bodyLimit: BODY_LIMIT, marker: name.slice(-20) });
    const cases: HostileRequest[] = Array.from({ length: CASES }, () => generator.next());
    const problems: string[] = [];
    try {
      await mapBounded(cases, 8, async (c, i) => {
        let answer: RawAnswer;
        try {
          answer = await http.request(c.method, c.path, c.body, c.headers);
        } catch (err) {
          problems.push(`case ${i} (${c.what}) ${c.method} ${c.path}: no answer: ${(err as Error).message}`);
          report.hostile(1, 0);
          return;
        }
        const body = answer.json;
        const ok =
          answer.status >= 400 &&
          answer.status < 500 &&
          answer.contentType.startsWith('application/json') &&
          typeof body?.['error'] === 'string' &&
          typeof body['message'] === 'string' &&
          body['error'] === c.expect;
        report.hostile(1, ok ? 1 : 0);
        if (!ok) problems.push(`case ${i} (${c.what}) ${c.method} ${c.path}: expected ${c.expect}, got ${answer.status} ${answer.text.slice(0, 300)}`);
      });
    } finally {
      http.close();
    }
    const byReason = cases.reduce<Record<string, number>>((m, c) => ({ ...m, [c.expect]: (m[c.expect] ?? 0) + 1 }), {});
    t.diagnostic(`refused as expected: ${Object.entries(byReason).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    assert.deepEqual(problems, [], `seed ${SEED}: every hostile request is refused with a 4xx JSON error naming why`);

    // Still up, and nothing reached Temporal.
    assert.equal(intake.child.exitCode, null, 'the intake process is still running');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.equal(metricSum(metrics, 'medic_intake_signals_total'), 0, 'no signal was delivered');
    assert.equal(metricSum(metrics, 'medic_intake_rejects_total'), CASES, 'every case was counted as a reject');
    assert.equal(metricValue(metrics, 'medic_intake_rejects_total', { reason: 'internal-error' }) ?? 0, 0, 'no request broke the intake');
    const fingerprints = [...new Set(cases.flatMap((c) => c.fingerprints))];
    await mapBounded(fingerprints, 16, async (fp) => {
      await assert.rejects(client.workflow.getHandle(incidentWorkflowId(fp)).describe(), WorkflowNotFoundError, `no incident for ${fp}`);
    });
    const { count } = await client.workflow.count(`TaskQueue = "${name}"`);
    assert.equal(count, 0, 'no workflow at all on the intake task queue');
  }));

  it('answers malformed HTTP (oversized headers, a garbage request line, request smuggling) with a JSON 4xx and stays up', (t) => reported(t, 'intake malformed HTTP', async (report) => {
    assert.ok(intake !== undefined && intakePort > 0, 'runs after the fuzz test, against the same intake');
    const target = 'POST /v1/signals/alertmanager HTTP/1.1\r\nHost: medic\r\n';
    const cases: [string, string, number][] = [
      ['a 20 KiB header', `${target}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
      ['a garbage request line', 'GARBAGE\r\n\r\n', 400],
      ['a Content-Length that is not a number', `${target}Content-Length: abc\r\n\r\n`, 400],
      ['Content-Length and Transfer-Encoding together (smuggling)', `${target}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
      ['a header with a newline in its name', `${target}Bad\nHeader: x\r\n\r\n`, 400],
    ];
    for (const [what, data, status] of cases) {
      const reply = await rawHttp(intakePort, data);
      const [head = '', body = ''] = reply.split('\r\n\r\n');
      const refusedAsJson = new RegExp(`^HTTP/1.1 ${status} `).test(head) && /content-type: application\/json/i.test(head);
      report.hostile(1, refusedAsJson ? 1 : 0);
      assert.match(head, new RegExp(`^HTTP/1.1 ${status} `), `${what}: ${reply.slice(0, 200)}`);
      assert.match(head, /content-type: application\/json/i, what);
      const json = JSON.parse(body) as Record<string, unknown>;
      assert.equal(typeof json['error'], 'string', what);
      assert.equal(typeof json['message'], 'string', what);
    }
    assert.equal(intake.child.exitCode, null, 'the intake process is still running');
    assert.equal((await fetch(`http://127.0.0.1:${intakePort}/healthz`)).status, 200);
    t.diagnostic(`${cases.length} malformed requests refused`);
  }));
});
