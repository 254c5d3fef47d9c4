import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { alertSignal, incidentWorkflowId, timelineQuery, signalsQuery } from '../../workflows/definitions.js';
import { reported } from '../helpers/chaos-summary.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import type { Deliverer } from '../../src/intake/accept-signals.js';
import { metricValue, post, startTestIntake } from '../helpers/intake.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';

// A sender that gives up waiting (Temporal was slow) and sends the same notification again: the
// intake recorded the first one meanwhile, but its 202 reached nobody. The retry must be taken as
// the same notification (same signal id, recorded once), not as a repeat of the alert. The intake's
// request deadline keeps this rare: a request that cannot be recorded in time answers 503 well
// before the sender gives up, and its retry carries the same ids.

after(closeTestTemporal);

const ROUTES = 'defaultRoute:\n  playbook: diagnose-and-escalate\n  targetFromLabel: instance\n  params: { ackTimeout: 1 hour }\n';
/** The intake's request deadline in the tests that reach it: short, so they stay short. */
const DEADLINE_MS = 1_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An Alertmanager notification of one group, one alert per fingerprint. */
function notification(fingerprints: string[], alertname: string) {
  return {
    version: '4', groupKey: `{}:{alertname="${alertname}"}`, status: 'firing', receiver: 'medic',
    alerts: fingerprints.map((fp) => ({ status: 'firing', fingerprint: fp, labels: { alertname, instance: fp }, startsAt: '2026-01-01T00:00:00Z' })),
  };
}

/** The signal ids an incident recorded, in order (repeats are counted, not listed in its timeline). */
async function recordedIds(client: Client, fingerprint: string): Promise<string[]> {
  return (await client.workflow.getHandle(incidentWorkflowId(fingerprint)).query(signalsQuery)).ids;
}

/** How many 'alert' signals reached an incident, duplicates included (its history, not its timeline). */
async function alertDeliveries(client: Client, fingerprint: string): Promise<number> {
  const history = await client.workflow.getHandle(incidentWorkflowId(fingerprint)).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === alertSignal.name).length;
}

/** A deliverer that, while `slow.ms` is set, waits that long before handing a signal to Temporal (Temporal under load). */
function slowedDeliverer(slow: { ms: number; phase: string }, calls: { id: string; phase: string; at: number }[], landed: Promise<unknown>[]) {
  return (real: Deliverer): Deliverer => ({
    firing: (signal, route) => {
      calls.push({ id: signal.id, phase: slow.phase, at: Date.now() });
      const delivery = (async () => {
        if (slow.ms > 0) await sleep(slow.ms);
        return real.firing(signal, route);
      })();
      landed.push(delivery.catch(() => undefined));
      return delivery;
    },
    resolved: (signal) => real.resolved(signal),
  });
}

describe('a sender that times out', () => {
  it('retries a notification whose 202 it never saw: the alert is recorded once', (t) => reported(t, 'sender timed out and retried', async (report) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    let slowCalls = 1;
    const intake = await startTestIntake({
      client,
      taskQueue: name,
      configYaml: ROUTES,
      // The first delivery takes longer than the sender waits (Temporal under load).
      wrap: (real) => ({
        firing: async (signal, route) => {
          if (slowCalls-- > 0) await new Promise((r) => setTimeout(r, 1_500));
          return real.firing(signal, route);
        },
        resolved: (signal) => real.resolved(signal),
      }),
    });
    const body = {
      version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'medic',
      alerts: [{ status: 'firing', fingerprint: name, labels: { alertname: 'SlowTemporal', instance: name }, startsAt: '2026-01-01T00:00:00Z' }],
    };
    try {
      await withWorker(name, new FakeFleet().activities, async () => {
        const url = `${intake.url}/v1/signals/alertmanager`;
        await assert.rejects(
          fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(500) }),
          /abort|timeout/i,
          'the sender gives up before the answer',
        );
        const gaveUp = report.injected('the sender gave up on its request before the answer');
        const handle = client.workflow.getHandle(incidentWorkflowId(name));
        await eventually('the first notification to be recorded anyway', async () => ((await handle.query(signalsQuery)).ids.length > 0 ? true : undefined), 20_000);
        await new Promise((r) => setTimeout(r, 1_500)); // the intake has answered the closed connection by now

        const retry = await post(url, body);
        assert.equal(retry.status, 202);
        const results = retry.body['results'] as { signalId: string; outcome: string }[];
        report.accepted(results.length);
        const signals = (await handle.query(signalsQuery)).ids;
        report.recorded(signals.length);
        const once = signals.length === 1 && signals[0] === results[0]?.signalId;
        report.survived(gaveUp, once);
        assert.deepEqual(signals, [results[0]?.signalId], 'one notification, recorded once, under the id the retry was answered with');
      });
    } finally {
      await intake.close();
      await client.workflow.getHandle(incidentWorkflowId(name)).terminate('test finished').catch(() => undefined);
    }
  }));
  it('gets a 503 when Temporal cannot record the request within the deadline; retried as Alertmanager does, with the same signal ids, every alert is recorded once and reaches Temporal once', (t) => reported(t, 'request past the intake deadline: 503, retried', async (report) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    // More alerts than the intake delivers at once (8), so some are still waiting when the deadline fires.
    const fingerprints = Array.from({ length: 10 }, (_, i) => `${name}-${i}`);
    const body = notification(fingerprints, 'SlowTemporal');
    const slow = { ms: 4 * DEADLINE_MS, phase: 'first' };
    const calls: { id: string; phase: string; at: number }[] = [];
    const intake = await startTestIntake({
      client,
      taskQueue: name,
      configYaml: `${ROUTES}intake:\n  requestDeadline: ${DEADLINE_MS}ms\n`,
      wrap: slowedDeliverer(slow, calls, []),
    });
    try {
      assert.equal(intake.requestDeadlineMs, DEADLINE_MS);
      await withWorker(name, new FakeFleet().activities, async () => {
        const url = `${intake.url}/v1/signals/alertmanager`;
        const sent = Date.now();
        const first = await post(url, body);
        const answeredAfter = Date.now() - sent;
        assert.equal(first.status, 503, `the slow request is refused at its deadline: ${JSON.stringify(first.body)}`);
        assert.equal(first.body['error'], 'deadline-exceeded');
        const missed = report.injected('Temporal too slow for the request deadline: answered 503');
        assert.match(String(first.body['message']), /request deadline of 1 s.*0 of 10 recorded, 8 still in flight, 2 not started.*same signal ids/);
        assert.equal(first.headers.get('retry-after'), '5');
        assert.ok(answeredAfter < slow.ms, `answered at the deadline (${answeredAfter} ms), not after Temporal (${slow.ms} ms)`);
        const firstIds = calls.map((c) => c.id);
        assert.equal(firstIds.length, 8, 'the deliveries in flight when the deadline fired');

        // Alertmanager retries (with a back-off) until a 2xx. The retries join the deliveries still
        // in flight rather than sending them again, so they answer 503 until those land.
        slow.ms = 0;
        slow.phase = 'retry';
        let retry = await post(url, body);
        let retries = 1;
        while (retry.status === 503 && retries < 40) {
          await sleep(250);
          retry = await post(url, body);
          retries += 1;
        }
        assert.equal(retry.status, 202, JSON.stringify(retry.body));
        const retryIds = (retry.body['results'] as { signalId: string }[]).map((r) => r.signalId);
        report.accepted(retryIds.length);
        assert.equal(retryIds.length, 10);
        assert.ok(retryIds.every((id) => id.endsWith('#1')), `no 503 was counted: every id is still notification 1: ${retryIds.join(', ')}`);
        assert.deepEqual(firstIds.filter((id) => !retryIds.includes(id)), [], 'the retries carry the ids of the deliveries in flight');
        assert.equal(calls.filter((c) => c.phase === 'first').length, 8, 'no delivery of the first request started after its deadline');
        assert.deepEqual(calls.map((c) => c.id).sort(), [...retryIds].sort(), 'Temporal was handed each signal once, however many retries');
        for (const [i, fp] of fingerprints.entries()) {
          assert.deepEqual(await recordedIds(client, fp), [retryIds[i]], `incident ${fp} recorded its alert exactly once`);
        }
        const metrics = await (await fetch(`${intake.url}/metrics`)).text();
        assert.equal(metricValue(metrics, 'medic_intake_rejects_total', { reason: 'deadline-exceeded' }), retries, 'every 503 counted as a missed deadline');

        // The 202 was counted once: the next notification of the same alerts is a repeat (#2).
        const repeat = await post(url, body);
        assert.equal(repeat.status, 202);
        const repeatIds = (repeat.body['results'] as { signalId: string }[]).map((r) => r.signalId);
        report.accepted(repeatIds.length);
        assert.deepEqual(repeatIds, retryIds.map((id) => id.replace(/#1$/, '#2')));
        const recorded = await Promise.all(fingerprints.map((fp, i) =>
          eventually(`incident ${fp} to record the repeat`, async () => {
            const ids = await recordedIds(client, fp);
            return ids.includes(repeatIds[i] ?? '') ? ids : undefined;
          })));
        report.recorded(recorded.flat().length);
        report.survived(missed, recorded.every((ids, i) => ids.length === 2 && ids[0] === retryIds[i] && ids[1] === repeatIds[i]));
        assert.deepEqual(await recordedIds(client, fingerprints[0] as string), [retryIds[0], repeatIds[0]]);
        t.diagnostic(`first answer after ${answeredAfter} ms; ${retries} retries until the 202`);
      });
    } finally {
      await intake.close();
      await Promise.all(fingerprints.map((fp) => client.workflow.getHandle(incidentWorkflowId(fp)).terminate('test finished').catch(() => undefined)));
    }
  }));

  it('drops the late deliveries of a request that missed its deadline when its retry was recorded first through another intake', (t) => reported(t, 'late deliveries after a retry elsewhere', async (report) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    const fingerprints = Array.from({ length: 3 }, (_, i) => `${name}-${i}`);
    const body = notification(fingerprints, 'SlowTemporal');
    const calls: { id: string; phase: string; at: number }[] = [];
    const landed: Promise<unknown>[] = [];
    const configYaml = `${ROUTES}intake:\n  requestDeadline: ${DEADLINE_MS}ms\n`;
    // Two intakes behind one address (or one restarted): the retry reaches the other, which knows
    // nothing of the first request. Only the incident's own id check stands between them.
    const slowIntake = await startTestIntake({ client, taskQueue: name, configYaml, wrap: slowedDeliverer({ ms: 3 * DEADLINE_MS, phase: 'first' }, calls, landed) });
    const otherIntake = await startTestIntake({ client, taskQueue: name, configYaml, wrap: slowedDeliverer({ ms: 0, phase: 'retry' }, calls, landed) });
    try {
      await withWorker(name, new FakeFleet().activities, async () => {
        const first = await post(`${slowIntake.url}/v1/signals/alertmanager`, body);
        assert.equal(first.status, 503);
        assert.equal(first.body['error'], 'deadline-exceeded');
        const late = report.injected('a request past its deadline, retried through another intake');
        const retry = await post(`${otherIntake.url}/v1/signals/alertmanager`, body);
        assert.equal(retry.status, 202, JSON.stringify(retry.body));
        const retryIds = (retry.body['results'] as { signalId: string }[]).map((r) => r.signalId);
        report.accepted(retryIds.length);
        assert.deepEqual(calls.filter((c) => c.phase === 'first').map((c) => c.id), retryIds, 'the retry carries the same signal ids');

        // The first request's deliveries land after the retry's: the history shows both, the timeline one.
        await Promise.all(landed);
        const recorded: string[][] = [];
        for (const fp of fingerprints) {
          await eventually(`incident ${fp} to receive both deliveries`, async () => ((await alertDeliveries(client, fp)) >= 2 ? true : undefined));
          recorded.push(await recordedIds(client, fp));
        }
        report.recorded(recorded.flat().length);
        report.survived(late, recorded.every((ids, i) => ids.length === 1 && ids[0] === retryIds[i]));
        for (const [i, fp] of fingerprints.entries()) assert.deepEqual(recorded[i], [retryIds[i]], `incident ${fp} recorded its alert exactly once`);
      });
    } finally {
      await slowIntake.close();
      await otherIntake.close();
      await Promise.all(fingerprints.map((fp) => client.workflow.getHandle(incidentWorkflowId(fp)).terminate('test finished').catch(() => undefined)));
    }
  }));

  it('counts a request and its retry answered 202 together as one notification: the next one is numbered 2, not 3', (t) => reported(t, 'request and its retry both answered 202', async (report) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    const body = notification([name], 'SlowTemporal');
    const slow = { ms: 1_500, phase: 'original' };
    const calls: { id: string; phase: string; at: number }[] = [];
    const intake = await startTestIntake({ client, taskQueue: name, configYaml: ROUTES, wrap: slowedDeliverer(slow, calls, []) });
    try {
      await withWorker(name, new FakeFleet().activities, async () => {
        const url = `${intake.url}/v1/signals/alertmanager`;
        // A is slow; B (the same bytes: a retry on another connection, or the second Alertmanager
        // of an HA pair) arrives while A is in flight. Both connections stay open for the 202.
        const a = post(url, body);
        await eventually('the first request to reach the deliverer', async () => (calls.length > 0 ? true : undefined));
        slow.ms = 0;
        slow.phase = 'retry';
        const b = await post(url, body);
        const aAnswer = await a;
        const twice = report.injected('the same notification sent again while the first was in flight');
        assert.deepEqual([aAnswer.status, b.status], [202, 202]);
        const idOf = (answer: typeof b) => (answer.body['results'] as { signalId: string }[])[0]?.signalId;
        assert.equal(idOf(aAnswer), idOf(b), 'numbered before either was answered: the same notification');
        assert.match(idOf(b) ?? '', /#1$/);

        const next = await post(url, body);
        assert.equal(next.status, 202);
        assert.match(idOf(next) ?? '', /#2$/, 'two 202s for one notification count once');
        // Accepted: the distinct alerts the 202 answers name (a and b are one notification).
        report.accepted(new Set([aAnswer, b, next].filter((x) => x.status === 202).map(idOf)).size);
        const recorded = await recordedIds(client, name);
        report.recorded(recorded.length);
        report.survived(twice, recorded.length === 2 && recorded[0] === idOf(b) && recorded[1] === idOf(next));
        assert.deepEqual(recorded, [idOf(b), idOf(next)]);
      });
    } finally {
      await intake.close();
      await client.workflow.getHandle(incidentWorkflowId(name)).terminate('test finished').catch(() => undefined);
    }
  }));
});
