import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { incidentWorkflowId, timelineQuery } from '../../workflows/definitions.js';
import { reportChaos } from '../helpers/chaos-summary.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { post, startTestIntake } from '../helpers/intake.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';

// A sender that gives up waiting (Temporal was slow) and sends the same notification again: the
// intake recorded the first one meanwhile, but its 202 reached nobody. The retry must be taken as
// the same notification (same signal id, recorded once), not as a repeat of the alert.

after(closeTestTemporal);

const ROUTES = 'defaultRoute:\n  playbook: diagnose-and-escalate\n  targetFromLabel: instance\n  params: { ackTimeout: 1 hour }\n';

describe('a sender that times out', () => {
  it('retries a notification whose 202 it never saw: the alert is recorded once', async (t) => {
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
        const handle = client.workflow.getHandle(incidentWorkflowId(name));
        await eventually('the first notification to be recorded anyway', async () => ((await handle.query(timelineQuery)).some((e) => e.kind === 'signal') ? true : undefined), 20_000);
        await new Promise((r) => setTimeout(r, 1_500)); // the intake has answered the closed connection by now

        const retry = await post(url, body);
        assert.equal(retry.status, 202);
        const results = retry.body['results'] as { signalId: string; outcome: string }[];
        const signals = (await handle.query(timelineQuery)).filter((e) => e.kind === 'signal');
        assert.deepEqual(signals.map((e) => e.data?.['signalId']), [results[0]?.signalId], 'one notification, recorded once, under the id the retry was answered with');
        reportChaos({ test: 'sender timed out and retried', faultsInjected: 1, faultsSurvived: 1, alertsAccepted: 1, alertsRecorded: signals.length });
      });
    } finally {
      await intake.close();
      await client.workflow.getHandle(incidentWorkflowId(name)).terminate('test finished').catch(() => undefined);
    }
  });
});
