import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client, Connection, makeGrpcRetryInterceptor, defaultGrpcRetryOptions, type ConnectionOptions } from '@temporalio/client';
import { signedHeaders } from '../../src/intake/auth.js';
import { readDeadLetters } from '../../src/intake/dead-letters.js';
import { alertSignal, incidentWorkflowId } from '../../workflows/definitions.js';
import { post, startTestIntake, type RunningIntake } from '../helpers/intake.js';
import { runMedic } from '../helpers/processes.js';
import { closeTestTemporal, testTemporal, uniqueName } from '../helpers/temporal.js';

// What the intake answers, checked against the real dev server: each answer says what Temporal
// did, one call per alert, and is never served from memory once it has stopped being true.
// No worker runs: incidents stay open until the test closes them, and only the intake talks to Temporal.

after(closeTestTemporal);

const ROUTES = 'defaultRoute:\n  playbook: diagnose-and-escalate\n  targetFromLabel: instance\n  params: { ackTimeout: 1 hour }\n';
const HMAC = 'hmac-secret-of-intake-answers';

type Json = Record<string, unknown>;
type GrpcInterceptor = NonNullable<ConnectionOptions['interceptors']>[number];

/** A client whose every WorkflowService call is written down, e.g. "SignalWithStartWorkflowExecution". */
async function countingClient(): Promise<{ client: Client; calls: string[] }> {
  const calls: string[] = [];
  const record = ((options, nextCall) => {
    calls.push(String(options.method_definition.path).split('/').pop() ?? '');
    return nextCall(options);
  }) as GrpcInterceptor;
  const connection = await Connection.connect({
    address: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '',
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), record],
  });
  return { client: new Client({ connection }), calls };
}

async function withIntake<T>(intake: RunningIntake, fn: (intake: RunningIntake) => Promise<T>): Promise<T> {
  try {
    return await fn(intake);
  } finally {
    await intake.close();
  }
}

function notification(alerts: { fingerprint: string; labels?: Record<string, string>; startsAt?: string }[]): Json {
  return {
    version: '4', groupKey: '{}:{alertname="Answers"}', status: 'firing', receiver: 'medic',
    alerts: alerts.map((a) => ({ status: 'firing', fingerprint: a.fingerprint, labels: { alertname: 'Answers', instance: a.fingerprint, ...a.labels }, startsAt: a.startsAt ?? '2026-01-01T00:00:00Z' })),
  };
}

const outcomes = (res: { body: Json }) => (res.body['results'] as Json[]).map((r) => r['outcome']);

/** 150 label values of 16 KiB (the most a value keeps): over the dev server's 2 MB limit for one payload. */
function hugeLabels(): Record<string, string> {
  return Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`blob${i}`, 'x'.repeat(16 * 1024)]));
}

describe('intake answers', () => {
  it('tells opened from joined from the signalWithStart answer alone: one call to Temporal per alert, no describe', async (t) => {
    const name = uniqueName(t.name);
    const { client, calls } = await countingClient();
    try {
      await withIntake(await startTestIntake({ client, taskQueue: name, configYaml: ROUTES }), async (intake) => {
        calls.length = 0;
        const first = await post(`${intake.url}/v1/signals/alertmanager`, notification([{ fingerprint: name }]));
        const repeat = await post(`${intake.url}/v1/signals/alertmanager`, notification([{ fingerprint: name, startsAt: '2026-01-01T00:05:00Z' }]));
        assert.deepEqual([first.status, repeat.status], [202, 202]);
        assert.deepEqual([...outcomes(first), ...outcomes(repeat)], ['opened', 'deduplicated']);
        assert.deepEqual(calls, ['SignalWithStartWorkflowExecution', 'SignalWithStartWorkflowExecution'], 'nothing but the signalWithStart of each alert');
        assert.equal(await intake.metrics.value('medic_intake_incidents_total', { result: 'opened' }), 1);
        assert.equal(await intake.metrics.value('medic_intake_incidents_total', { result: 'deduplicated' }), 1);
      });
    } finally {
      await client.connection.close();
    }
  });

  it('never answers "deduplicated" into an incident that has closed since: the same signal opens a new incident', async (t) => {
    const name = uniqueName(t.name);
    const { client, calls } = await countingClient();
    const body = JSON.stringify({ alertname: 'Answers', service: 'billing', fingerprint: name, labels: { instance: 'billing-1' } });
    try {
      await withIntake(await startTestIntake({ client, taskQueue: name, configYaml: ROUTES, secrets: { hmacSecret: HMAC } }), async (intake) => {
        const send = () => post(`${intake.url}/v1/signals`, body, signedHeaders(HMAC, body));
        const first = await send();
        assert.deepEqual(outcomes(first), ['opened']);
        const handle = client.workflow.getHandle(incidentWorkflowId(name));
        const firstRun = (await handle.describe()).runId;

        calls.length = 0;
        const whileOpen = await send();
        assert.deepEqual(outcomes(whileOpen), ['deduplicated'], 'the same bytes again while the incident is open');
        assert.deepEqual(calls, ['DescribeWorkflowExecution'], 'answered from memory after checking the run still runs: no second signal');

        await handle.terminate('the incident closed');
        calls.length = 0;
        const afterClose = await send();
        assert.equal(afterClose.status, 202);
        assert.deepEqual(outcomes(afterClose), ['opened'], 'what Temporal did: a new incident, not "deduplicated" into the closed one');
        assert.deepEqual(calls, ['DescribeWorkflowExecution', 'SignalWithStartWorkflowExecution']);
        const described = await handle.describe();
        assert.notEqual(described.runId, firstRun);
        assert.equal(described.status.name, 'RUNNING');
        const history = await handle.fetchHistory();
        assert.equal((history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === alertSignal.name).length, 1, 'the new incident recorded the signal');
      });
    } finally {
      await client.connection.close();
    }
  });

  it('delivers the rest of a group when Temporal refuses one alert for good, keeps that one in a dead-letter record that survives a restart, and never asks Temporal about it again', async (t) => {
    const name = uniqueName(t.name);
    const { client, calls } = await countingClient();
    const stateDir = mkdtempSync(join(tmpdir(), 'medic-dead-letters-'));
    const [good, refused] = [`${name}-good`, `${name}-refused`];
    const group = notification([{ fingerprint: good }, { fingerprint: refused, labels: hugeLabels() }]);
    const options = { client, taskQueue: name, configYaml: ROUTES, stateDir, bodyLimitBytes: 8 * 1024 * 1024 };
    let outage = true;
    try {
      // The good alert's first delivery meets a Temporal that is briefly unreachable: the group is
      // answered 503 and resent whole, with the same signal ids.
      const flaky = await startTestIntake({
        ...options,
        wrap: (real) => ({
          firing: async (signal, route) => {
            if (signal.fingerprint === good && outage) {
              outage = false;
              throw new Error('14 UNAVAILABLE: No connection established');
            }
            return real.firing(signal, route);
          },
          resolved: (signal) => real.resolved(signal),
        }),
      });
      await withIntake(flaky, async (intake) => {
        const unavailable = await post(`${intake.url}/v1/signals/alertmanager`, group);
        assert.equal(unavailable.status, 503, 'unavailability is retried, as before');
        assert.equal(readDeadLetters(stateDir).length, 1, 'the refused alert was kept meanwhile');

        calls.length = 0;
        const res = await post(`${intake.url}/v1/signals/alertmanager`, group);
        assert.equal(res.status, 202, JSON.stringify(res.body).slice(0, 500));
        assert.deepEqual(outcomes(res), ['opened', 'dead-lettered']);
        assert.deepEqual(calls, ['SignalWithStartWorkflowExecution'], 'the resend reaches Temporal for the good alert only');
        const dead = (res.body['results'] as Json[])[1];
        assert.match(String(dead?.['reason']), /^Temporal refused it for good \(INVALID_ARGUMENT\): .*size/i, 'the answer says what happened to that alert');
        assert.deepEqual(res.body['incidents'], [incidentWorkflowId(good)], 'the refused alert is in no incident');
        assert.equal(await intake.metrics.value('medic_intake_dead_letters_total', { source: 'alertmanager' }), 1);
        assert.equal(await intake.metrics.value('medic_intake_signals_total', { source: 'alertmanager', status: 'firing', outcome: 'dead-lettered' }), 2, 'counted in each answer, the 503 included, as every outcome is');

        const [letter] = readDeadLetters(stateDir);
        assert.equal(letter?.signalId, dead?.['signalId']);
        assert.equal(letter?.refusal, 'INVALID_ARGUMENT');
        assert.equal(Object.keys(letter?.signal.labels ?? {}).length, 152, 'the whole signal is kept, to be sent again once fixed');
      });

      await withIntake(await startTestIntake(options), async (restarted) => {
        assert.equal(await restarted.metrics.value('medic_intake_dead_letters', {}), 1, 'the record survived the restart');
        calls.length = 0;
        // A restarted intake numbers notifications from 1 again: the same ids as before.
        const res = await post(`${restarted.url}/v1/signals/alertmanager`, group);
        assert.equal(res.status, 202);
        assert.deepEqual(outcomes(res), ['deduplicated', 'dead-lettered']);
        assert.deepEqual(calls, ['SignalWithStartWorkflowExecution'], 'a restarted intake does not retry what was refused for good');
        assert.equal(await restarted.metrics.value('medic_intake_dead_letters_total', { source: 'alertmanager' }), 0, 'not recorded twice');
      });
      assert.equal(readDeadLetters(stateDir).length, 1, 'one record per signal, however often it came');

      const listed = await runMedic(['dead-letters', '--state-dir', stateDir], {});
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, new RegExp(`SIGNAL.*REASON\\n.*alertmanager:${refused}:firing:.*incident-${refused} +Answers +${refused} +INVALID_ARGUMENT +Temporal refused it for good`));
      const json = await runMedic(['dead-letters', '--json'], { MEDIC_STATE_DIR: stateDir });
      assert.equal((JSON.parse(json.stdout) as Json[])[0]?.['fingerprint'], refused);
    } finally {
      await client.connection.close();
    }
  });
});
