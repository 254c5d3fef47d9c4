import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { signedHeaders } from '../../src/intake/auth.js';
import { incidentWorkflowId, stateQuery, timelineQuery, type IncidentResult, signalsQuery } from '../../workflows/definitions.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { freePort, metricValue, post, startTestIntake, type RunningIntake } from '../helpers/intake.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';

after(closeTestTemporal);

const ROUTES = `
routes:
  - name: probes
    match: { alertname: ProbeFailure }
    matchRegex: { job: "http_.*" }
    playbook: diagnose-and-escalate
    targetFromLabel: instance
    params: { ackTimeout: 10 minutes }
  - name: blue team
    match: { team: blue }
    playbook: diagnose-and-escalate
    target: blue-team
    params: { ackTimeout: 10 minutes }
`;

type Json = Record<string, unknown>;
type Alert = { fingerprint: string; labels: Record<string, string>; status: string } & Json;

function fixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(`../fixtures/intake/${name}`, import.meta.url), 'utf8')) as Json;
}

/** A documented payload whose fingerprints are made unique to this test (one dev server serves the run). */
function payload(name: string, prefix: string, pick?: (a: Alert, i: number) => boolean): { body: Json; fingerprints: string[] } {
  const body = fixture(name);
  const alerts = (body['alerts'] as Alert[]).filter((a, i) => pick?.(a, i) ?? true).map((a) => ({ ...a, fingerprint: `${prefix}-${a.fingerprint}` }));
  return { body: { ...body, alerts }, fingerprints: alerts.map((a) => a.fingerprint) };
}

async function assertNoIncident(client: Client, fingerprint: string): Promise<void> {
  await assert.rejects(client.workflow.getHandle(incidentWorkflowId(fingerprint)).describe(), WorkflowNotFoundError, `no incident for ${fingerprint}`);
}

/** Distinct signals an incident recorded (the first is a timeline entry, repeats are counted). */
async function signalEntries(client: Client, fingerprint: string): Promise<number> {
  return (await client.workflow.getHandle(incidentWorkflowId(fingerprint)).query(signalsQuery)).firing.count;
}

async function withIntake<T>(starting: RunningIntake | Promise<RunningIntake>, fn: (intake: RunningIntake) => Promise<T>): Promise<T> {
  const intake = await starting;
  try {
    return await fn(intake);
  } finally {
    await intake.close();
  }
}

describe('intake server', () => {
  it('opens one incident per firing alert of an Alertmanager group, routed, and answers 202 with the incident ids', async (t) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    const { body, fingerprints } = payload('alertmanager-group.json', name);
    const fleet = new FakeFleet();
    await withWorker(name, fleet.activities, () =>
      withIntake(startTestIntake({ client, taskQueue: name, configYaml: ROUTES }), async (intake) => {
        const res = await post(`${intake.url}/v1/signals/alertmanager`, body);
        assert.equal(res.status, 202);
        const [serverFp, apiFp, resolvedFp] = fingerprints as [string, string, string];
        assert.equal(res.body['accepted'], 3);
        assert.deepEqual(res.body['incidents'], [incidentWorkflowId(serverFp), incidentWorkflowId(apiFp)]);
        const results = res.body['results'] as Json[];
        assert.deepEqual(results.map((r) => r['outcome']), ['opened', 'opened', 'no-open-incident']);
        assert.deepEqual(results.map((r) => r['playbook']), ['diagnose-and-escalate', 'diagnose-and-escalate', undefined]);

        const state = await client.workflow.getHandle(incidentWorkflowId(serverFp)).query(stateQuery);
        assert.equal(state.playbook, 'diagnose-and-escalate');
        assert.equal(state.target, 'https://server.example.org', 'the target comes from the instance label');
        const described = await eventually('search attributes of the incident', async () => {
          const d = await client.workflow.getHandle(incidentWorkflowId(apiFp)).describe();
          return d.typedSearchAttributes.getAll().length >= 5 ? d : undefined;
        });
        const attrs = Object.fromEntries(described.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value]));
        assert.equal(attrs['MedicService'], 'api');
        assert.equal(attrs['MedicPlaybook'], 'diagnose-and-escalate');
        assert.equal(attrs['MedicAlert'], 'ProbeFailure');
        await assertNoIncident(client, resolvedFp);
        assert.equal(await intake.metrics.value('medic_intake_incidents_total', { result: 'opened' }), 2);
        assert.equal(await intake.metrics.value('medic_intake_signals_total', { source: 'alertmanager', status: 'resolved', outcome: 'no-open-incident' }), 1);
      }),
    );
  });

  it('opens incidents from a documented Grafana notification the same way', async (t) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    const { body, fingerprints } = payload('grafana-notification.json', name);
    await withWorker(name, new FakeFleet().activities, () =>
      withIntake(startTestIntake({ client, taskQueue: name, configYaml: ROUTES }), async (intake) => {
        const res = await post(`${intake.url}/v1/signals/grafana`, body);
        assert.equal(res.status, 202);
        assert.deepEqual(res.body['incidents'], fingerprints.map(incidentWorkflowId));
        for (const fp of fingerprints) {
          const timeline = await client.workflow.getHandle(incidentWorkflowId(fp)).query(timelineQuery);
          const signal = timeline.find((e) => e.kind === 'signal');
          assert.equal(signal?.actor, 'grafana');
          assert.equal((await client.workflow.getHandle(incidentWorkflowId(fp)).query(stateQuery)).target, 'blue-team');
        }
      }),
    );
  });

  it('appends a repeat notification to the same incident, and a resolved one reaches it and ends it', async (t) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    const { body, fingerprints } = payload('alertmanager-group.json', name, (_a, i) => i === 0);
    const fp = fingerprints[0] as string;
    await withWorker(name, new FakeFleet().activities, () =>
      withIntake(startTestIntake({ client, taskQueue: name, configYaml: ROUTES }), async (intake) => {
        const first = await post(`${intake.url}/v1/signals/alertmanager`, body);
        const repeat = await post(`${intake.url}/v1/signals/alertmanager`, body);
        assert.deepEqual([first.status, repeat.status], [202, 202]);
        assert.equal((first.body['results'] as Json[])[0]?.['outcome'], 'opened');
        assert.equal((repeat.body['results'] as Json[])[0]?.['outcome'], 'deduplicated');
        const handle = client.workflow.getHandle(incidentWorkflowId(fp));
        assert.equal(await signalEntries(client, fp), 2, 'the repeat is a new entry of the same incident');
        const { runId } = await handle.describe();

        const alert = (body['alerts'] as Alert[])[0] as Alert;
        const resolved = { ...body, status: 'resolved', alerts: [{ ...alert, status: 'resolved', endsAt: '2023-02-06T13:20:00Z' }] };
        const res = await post(`${intake.url}/v1/signals/alertmanager`, resolved);
        assert.equal(res.status, 202);
        assert.equal((res.body['results'] as Json[])[0]?.['outcome'], 'resolved');
        const result = (await client.workflow.getHandle(incidentWorkflowId(fp), runId).result()) as IncidentResult;
        assert.equal(result.outcome, 'resolved');
        const entry = result.timeline.find((e) => e.kind === 'resolved');
        assert.equal(entry?.actor, 'alertmanager');
        assert.equal(await intake.metrics.value('medic_intake_incidents_total', { result: 'deduplicated' }), 1);
      }),
    );
  });

  it('answers 503 when Temporal fails midway through a group, and the retry records each alert once', async (t) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    const { body, fingerprints } = payload('alertmanager-group.json', name, (a) => a.status === 'firing');
    let calls = 0;
    await withWorker(name, new FakeFleet().activities, () =>
      withIntake(
        startTestIntake({
          client,
          taskQueue: name,
          configYaml: ROUTES,
          // The second delivery of the first attempt fails as an unreachable server would.
          wrap: (real) => ({
            ...real,
            firing: async (signal, route) => {
              calls += 1;
              if (calls === 2) throw new Error('14 UNAVAILABLE: No connection established');
              return real.firing(signal, route);
            },
          }),
        }),
        async (intake) => {
          const failed = await post(`${intake.url}/v1/signals/alertmanager`, body);
          assert.equal(failed.status, 503);
          assert.equal(failed.body['error'], 'temporal-unavailable');
          assert.match(String(failed.body['message']), /did not record 1 of 2 signals .*UNAVAILABLE/);
          assert.equal(failed.headers.get('retry-after'), '5');

          const retried = await post(`${intake.url}/v1/signals/alertmanager`, body);
          assert.equal(retried.status, 202);
          assert.deepEqual(
            (retried.body['results'] as Json[]).map((r) => r['outcome']).sort(),
            ['deduplicated', 'opened'],
            'one alert was recorded before the failure, the other only on the retry',
          );
          for (const fp of fingerprints) assert.equal(await signalEntries(client, fp), 1, `${fp} has its signal once`);
          assert.equal(await intake.metrics.value('medic_intake_rejects_total', { reason: 'temporal-unavailable' }), 1);
        },
      ),
    );
  });

  it('answers 202 for an alert no route matches, logs and counts it as unrouted, and starts nothing', async (t) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    const { body, fingerprints } = payload('alertmanager-no-fingerprint.json', name);
    const alerts = (body['alerts'] as Alert[]).map((a) => ({ ...a, fingerprint: `${name}-unrouted` }));
    await withIntake(await startTestIntake({ client, taskQueue: name, configYaml: ROUTES }), async (intake) => {
      const res = await post(`${intake.url}/v1/signals/alertmanager`, { ...body, alerts });
      assert.equal(res.status, 202);
      const result = (res.body['results'] as Json[])[0];
      assert.equal(result?.['outcome'], 'unrouted');
      assert.equal(result?.['reason'], 'no route matches and there is no defaultRoute');
      assert.deepEqual(res.body['incidents'], []);
      await assertNoIncident(client, `${name}-unrouted`);
      assert.equal(fingerprints.length, 1);
      const metrics = await (await fetch(`${intake.url}/metrics`)).text();
      assert.equal(metricValue(metrics, 'medic_intake_signals_total', { source: 'alertmanager', status: 'firing', outcome: 'unrouted' }), 1);
    });
  });

  it('answers 503, never 2xx, when Temporal is unreachable', async (t) => {
    const name = uniqueName(t.name);
    const deadPort = await freePort();
    const client = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${deadPort}` }) });
    const { body } = payload('alertmanager-group.json', name);
    try {
      await withIntake(await startTestIntake({ client, taskQueue: name, configYaml: ROUTES, deliveryTimeoutMs: 1500 }), async (intake) => {
        const started = Date.now();
        const res = await post(`${intake.url}/v1/signals/alertmanager`, body);
        assert.equal(res.status, 503);
        assert.equal(res.body['error'], 'temporal-unavailable');
        assert.match(String(res.body['message']), /retry the request/);
        assert.ok(Date.now() - started < 10_000, 'answered within the delivery timeout, before Alertmanager gives up');
        assert.equal(await intake.metrics.value('medic_intake_signals_total', { source: 'alertmanager', status: 'firing', outcome: 'failed' }) > 0, true);
      });
    } finally {
      await client.connection.close();
    }
  });

  it('opens an incident from a generic signal signed with HMAC, and records a resent request once', async (t) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    const secrets = { token: 'tkn-' + name, hmacSecret: 'hmac-' + name };
    const raw = JSON.stringify({ alertname: 'ProbeFailure', service: 'billing', fingerprint: `${name}-generic`, labels: { job: 'http_billing', instance: 'billing-1' } });
    await withWorker(name, new FakeFleet().activities, () =>
      withIntake(startTestIntake({ client, taskQueue: name, configYaml: ROUTES, secrets }), async (intake) => {
        const headers = { ...signedHeaders(secrets.hmacSecret, raw) };
        const first = await post(`${intake.url}/v1/signals`, raw, headers);
        const again = await post(`${intake.url}/v1/signals`, raw, headers);
        assert.deepEqual([first.status, again.status], [202, 202]);
        assert.deepEqual(first.body['incidents'], [incidentWorkflowId(`${name}-generic`)]);
        assert.equal((first.body['results'] as Json[])[0]?.['target'], 'billing-1');
        assert.equal(await signalEntries(client, `${name}-generic`), 1, 'the same body twice is one notification');
      }),
    );
  });

  it('serves /healthz and /metrics without credentials: signals, incidents, rejects and a latency histogram', async (t) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    await withIntake(await startTestIntake({ client, taskQueue: name, configYaml: ROUTES, secrets: { token: 'secret-token' } }), async (intake) => {
      const health = await fetch(`${intake.url}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as Json)['status'], 'ok');
      assert.equal((await post(`${intake.url}/v1/signals/alertmanager`, {})).status, 401);
      const res = await fetch(`${intake.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
      const text = await res.text();
      assert.equal(metricValue(text, 'medic_intake_rejects_total', { reason: 'unauthorized' }), 1);
      assert.equal(metricValue(text, 'medic_intake_incidents_total', { result: 'opened' }), 0);
      assert.equal(metricValue(text, 'medic_intake_incidents_total', { result: 'deduplicated' }), 0);
      assert.equal(metricValue(text, 'medic_intake_signals_total', { source: 'grafana', status: 'firing', outcome: 'opened' }), 0);
      assert.equal(metricValue(text, 'medic_intake_request_duration_seconds_count', { endpoint: '/v1/signals/alertmanager', code: '401' }), 1);
      assert.ok(metricValue(text, 'medic_intake_request_duration_seconds_bucket', { endpoint: '/v1/signals/alertmanager', code: '401', le: '+Inf' }) === 1);
      assert.match(text, /process_cpu_seconds_total/);
    });
  });
});
