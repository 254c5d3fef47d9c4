import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { reported } from '../helpers/chaos-summary.js';
import { freePort, runMedic, startMedic, type LongRunning } from '../helpers/processes.js';
import { findSecrets, payloadTexts } from '../helpers/secret-scan.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName } from '../helpers/temporal.js';

// Payload encryption end to end, as a user runs it: `medic worker`, `medic signal`, `medic show`,
// `medic audit` and `medic codec-server`, all with MEDIC_ENCRYPTION_KEY. What Temporal stores is
// unreadable without the key (only the Medic* search attributes stay plain: they must be, to be
// searchable); medic's own commands and the codec endpoint the Web UI calls read it back.

const History = proto.temporal.api.history.v1.History;
const dir = mkdtempSync(join(tmpdir(), 'medic-encryption-'));
const processes: LongRunning[] = [];
after(async () => {
  for (const p of processes) await p.stop(10_000).catch(() => undefined);
  await closeTestTemporal();
  rmSync(dir, { recursive: true, force: true });
});

const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

/**
 * Every payload in a history that carries medic's data. Left out: search attributes (Temporal must
 * index them in the clear) and the SDK core's own marker records (patch ids, local activity
 * bookkeeping: `details.patch-data` and `details.data`), which hold no incident data.
 */
function payloadsOf(node: unknown, out: Payload[] = [], path = ''): Payload[] {
  if (typeof node !== 'object' || node === null || node instanceof Uint8Array) return out;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'searchAttributes' || key === 'upsertWorkflowSearchAttributesEventAttributes') continue;
    if (/markerRecordedEventAttributes\.details$/.test(path) && (key === 'patch-data' || key === 'data')) continue;
    const p = value as Payload | null;
    if (p && typeof p === 'object' && 'metadata' in p && p.metadata && 'encoding' in p.metadata) out.push(p);
    else payloadsOf(value, out, `${path}.${key}`);
  }
  return out;
}

describe('payload encryption', () => {
  it('keeps alerts, timelines and failures unreadable in history, while medic and the codec endpoint read them with the key', (t) => reported(t, 'payload encryption', async (report) => {
    const name = uniqueName(t.name);
    const alertname = `EncryptedAlert${name.slice(-8)}`;
    const service = `vault-${name.slice(-8)}`;
    const labelMarker = `owner-${randomBytes(6).toString('hex')}`;
    const summaryMarker = `summary-${randomBytes(6).toString('hex')}`;
    const key = randomBytes(32).toString('base64');
    const config = join(dir, 'medic.yaml');
    // No targets: diagnose fails with UnknownTarget, so a failure message is in the history too.
    writeFileSync(config, 'defaultRoute:\n  playbook: diagnose-and-escalate\n  targetFromLabel: service\n  params: { ackTimeout: 1 hour }\n');
    const plainEnv = { TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '', MEDIC_TASK_QUEUE: name, MEDIC_CONFIG: config, MEDIC_WORKER_METRICS: 'off', MEDIC_LOG_LEVEL: 'info', MEDIC_ENCRYPTION_KEY: '', MEDIC_ENCRYPTION_KEY_FILE: '' };
    const env = { ...plainEnv, MEDIC_ENCRYPTION_KEY: key };

    const worker = startMedic(['worker'], env);
    processes.push(worker);
    await worker.waitFor(/worker ready/, 90_000);
    assert.match(worker.output, /"payloadEncryption":"on"/);
    const signal = await runMedic(['signal', '--alertname', alertname, '--service', service, '--severity', 'critical', '--label', `owner=${labelMarker}`, '--summary', summaryMarker, '--json'], env);
    assert.equal(signal.code, 0, signal.stderr);
    const { incidentId } = JSON.parse(signal.stdout) as { incidentId: string };
    report.expectIncidents(1);

    // medic, with the key, reads the timeline: the diagnose failure, the escalation.
    const shown = await eventually('the incident to escalate', async () => {
      const show = await runMedic(['show', incidentId, '--json'], env);
      return show.code === 0 && show.stdout.includes('escalated to a human') ? show.stdout : undefined;
    }, 60_000);
    assert.match(shown, /unknown target/);
    assert.ok(shown.includes(summaryMarker));

    // What Temporal stores, read without the key: every payload is ciphertext.
    const { client } = await testTemporal(); // a client with no codec, like anyone with access to the server
    const handle = client.workflow.getHandle(incidentId);
    const history = await handle.fetchHistory();
    const payloads = payloadsOf(history);
    assert.ok(payloads.length >= 8, `the history has payloads (${payloads.length})`);
    assert.deepEqual([...new Set(payloads.map((p) => text(p.metadata?.['encoding'])))], ['binary/encrypted'], 'every payload is encrypted');
    const bytes = Buffer.from(History.encode(history).finish());
    // The markers, as is or base64-encoded at any offset, in the stored history in every form it takes.
    const leaks = [
      ...findSecrets('stored history (protobuf)', bytes.toString('latin1'), [labelMarker, summaryMarker]),
      ...findSecrets('stored history (JSON)', JSON.stringify(history), [labelMarker, summaryMarker]),
      ...findSecrets('stored payloads', payloadTexts(history).join('\n'), [labelMarker, summaryMarker]),
    ];
    report.secrets(leaks);
    assert.deepEqual(leaks, [], 'no marker readable in the stored history');
    for (const secret of [labelMarker, summaryMarker, 'unknown target', 'escalated to a human', 'ackTimeout']) {
      assert.ok(!bytes.includes(secret), `"${secret}" is not readable in the stored history`);
    }
    const withoutSearchAttributes = Buffer.from(History.encode({ events: (history.events ?? []).map((e) => {
      const copy = proto.temporal.api.history.v1.HistoryEvent.fromObject(proto.temporal.api.history.v1.HistoryEvent.toObject(e as proto.temporal.api.history.v1.HistoryEvent));
      copy.upsertWorkflowSearchAttributesEventAttributes = null;
      if (copy.workflowExecutionStartedEventAttributes) copy.workflowExecutionStartedEventAttributes.searchAttributes = null;
      return copy;
    }) }).finish());
    assert.ok(!withoutSearchAttributes.includes(alertname) && !withoutSearchAttributes.includes(service), 'alert and service names are in the clear only as search attributes');

    // medic audit with the key decodes everything; without it, it says what is missing.
    const audit = await runMedic(['audit', incidentId, '--json'], env);
    assert.equal(audit.code, 0, audit.stderr);
    for (const s of [labelMarker, summaryMarker, alertname, 'unknown target']) assert.ok(audit.stdout.includes(s), `audit shows ${s}`);
    assert.ok(!audit.stdout.includes('<encrypted payload'), 'nothing left encrypted');
    for (const command of [['audit', incidentId, '--json'], ['show', incidentId]]) {
      const blind = await runMedic(command, plainEnv);
      assert.equal(blind.code, 2, `medic ${command[0]} without the key: ${blind.stderr}`);
      assert.match(blind.stderr, /payloads are encrypted .* To fix: set MEDIC_ENCRYPTION_KEY/);
      assert.ok(!blind.stdout.includes(labelMarker));
    }

    // The codec endpoint decodes what the Web UI sends: payloads from the history, in protobuf JSON.
    const port = await freePort();
    const codec = startMedic(['codec-server', '--port', String(port), '--ui-origin', 'http://localhost:8233'], env);
    processes.push(codec);
    await codec.waitFor(/codec server ready/, 60_000);
    const started = history.events?.find((e) => e.workflowExecutionStartedEventAttributes)?.workflowExecutionStartedEventAttributes;
    const asJson = (p: Payload) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    });
    const sent = [...((started?.input?.payloads ?? []) as Payload[]), ...payloads.slice(0, 20)].map(asJson);
    const res = await fetch(`http://127.0.0.1:${port}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: 'http://localhost:8233' },
      body: JSON.stringify({ payloads: sent }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:8233');
    const decoded = ((await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
    assert.equal(decoded.length, sent.length);
    const plain = decoded.map((p) => Buffer.from(p.data, 'base64').toString('utf8'));
    assert.equal(JSON.parse(plain[0] ?? '{}').alertname, alertname, 'the incident input, readable again');
    assert.ok(plain.some((p) => p.includes(labelMarker)), 'the signal with its labels');
    assert.ok(decoded.every((p) => Buffer.from(p.metadata['encoding'] ?? '', 'base64').toString() !== 'binary/encrypted'));

    // The key never shows in what the processes print.
    const keyLeaks = [worker, codec].flatMap((p, i) => findSecrets(i === 0 ? 'worker log' : 'codec server log', p.output, [key]));
    report.secrets(keyLeaks);
    assert.deepEqual(keyLeaks, [], 'the key is never logged');

    // A human closes the incident (it waits for an ack); completed is what the server says.
    const abort = await runMedic(['abort', incidentId, '--by', 'test', '--reason', 'payload encryption test finished'], env);
    assert.equal(abort.code, 0, abort.stderr);
    const done = await report.completion(handle, 60_000);
    assert.equal(done.status, 'COMPLETED', 'the aborted incident completed');
  }));
});
