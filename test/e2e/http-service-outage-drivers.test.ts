import assert from 'node:assert/strict';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { createActivities } from '../../activities/create-activities.js';
import { ackUpdate, stateQuery, timelineQuery, type IncidentResult } from '../../workflows/definitions.js';
import { testConfig } from '../helpers/driver-activities.js';
import { sendRequests } from '../helpers/http-backends.js';
import { act, entriesOf, openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { startOutageStack, type OutageStack } from '../helpers/outage-stack.js';
import { Pm2Fleet } from '../helpers/pm2-fleet.js';
import { closeTestTemporal, eventually, uniqueName, withWorker } from '../helpers/temporal.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

// http-service-outage with medic's real drivers: HAProxy (Debian), backends under PM2 serving
// from release folders, Temporal's dev server, and a local receiver standing in for PagerDuty's
// and a webhook's endpoints. Nothing is mocked above the network or process boundary.

const text = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(3_000) });
  return { status: res.status, body: await res.text() };
};

describe('http-service-outage end to end with the real drivers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'medic-e2e-'));
  const stacks: OutageStack[] = [];
  let fleet: Pm2Fleet;
  let receiver: WebhookReceiver;

  before(async () => {
    fleet = await Pm2Fleet.start(join(dir, 'pm2'));
    receiver = await WebhookReceiver.start();
    receiver.reply('/v2/enqueue', { status: 202, body: '{"status":"success","message":"Event processed"}' });
  });

  after(async () => {
    await Promise.all(stacks.map((s) => s.stop()));
    await fleet?.stop();
    await receiver?.close();
    await closeTestTemporal();
    rmSync(dir, { recursive: true, force: true });
  });

  async function stack(target: string, current: string, broken: string[] = []): Promise<OutageStack> {
    const s = await startOutageStack({ dir, fleet, target, versions: ['v1', 'v2'], current, broken });
    stacks.push(s);
    return s;
  }

  /** Run one incident on `s.target` with a worker serving the real activities. */
  async function runIncident(name: string, s: OutageStack, during?: (handle: Awaited<ReturnType<typeof openIncident>>) => Promise<void>): Promise<IncidentResult> {
    const config = testConfig({
      targets: { [s.target]: s.inventory },
      escalation: {
        channels: [
          { type: 'pagerduty', routingKey: 'e2e-routing-key', url: receiver.url('/v2/enqueue'), timeout: '2s' },
          { type: 'webhook', name: 'oncall-hook', url: receiver.url('/hook'), timeout: '2s' },
        ],
      },
    });
    const activities = createActivities({ config, logger: pino({ level: 'silent' }) });
    const route = testRoute({ target: s.target, params: { ackTimeout: '1 minute', humanHold: '2 seconds' } });
    return withWorker(name, activities, async () => {
      const handle = await openIncident(name, testSignal(name), route);
      if (during !== undefined) await during(handle);
      return handle.result();
    });
  }

  const steps = (result: IncidentResult) => entriesOf(result, 'step-succeeded').map((e) => e.step);

  it('a backend that starts failing is isolated, restarted, verified healthy and put back in rotation', async (t) => {
    const s = await stack('web-a', 'v2');
    await text(`${s.direct}/break`, { method: 'POST' });
    const through = await sendRequests(s.haproxy.url, 4);
    assert.ok(through.includes('web-a HTTP 500'), 'the failing backend serves errors through HAProxy');
    const pidBefore = await fleet.pid('web-a');

    const result = await runIncident(uniqueName(t.name), s);

    assert.equal(result.outcome, 'recovered');
    assert.deepEqual(steps(result), ['isolate web-a', 'diagnose web-a', 'restart web-a (first attempt)', 'verify web-a after restart', 'rejoin web-a']);
    const diagnose = entriesOf(result, 'step-succeeded').find((e) => e.step === 'diagnose web-a');
    const debug = diagnose?.data?.['debug'] as { body: string } | undefined;
    assert.equal(JSON.parse(debug?.body ?? '{}').broken, true, 'evidence was captured before the restart');
    assert.notEqual(await fleet.pid('web-a'), pidBefore);
    const answered = await sendRequests(s.haproxy.url, 20);
    assert.equal(answered.filter((b) => b === 'web-a').length, 10, 'web-a is back in rotation and healthy');
    assert.ok(answered.every((a) => !a.endsWith('HTTP 500')), answered.join(', '));
  });

  it('when the restart does not help, it rolls back and the backend then serves the old version', async (t) => {
    const s = await stack('web-b', 'v2', ['v2']);
    assert.equal((await text(s.direct)).status, 500, 'the v2 release is bad');

    const result = await runIncident(uniqueName(t.name), s);

    assert.equal(result.outcome, 'recovered');
    assert.deepEqual(steps(result), [
      'isolate web-b',
      'diagnose web-b',
      'restart web-b (first attempt)',
      'verify web-b after restart',
      'roll back web-b',
      'restart web-b (after rollback)',
      'verify web-b after rollback',
      'rejoin web-b',
    ]);
    const unhealthy = result.timeline.find((e) => e.kind === 'note' && e.message.includes('still unhealthy after restart'));
    assert.match(unhealthy?.message ?? '', /HTTP 500/);
    const rollback = entriesOf(result, 'step-succeeded').find((e) => e.step === 'roll back web-b');
    assert.match(rollback?.message ?? '', /v2 -> v1/);
    assert.deepEqual([rollback?.data?.['fromVersion'], rollback?.data?.['toVersion']], ['v2', 'v1'], 'both versions are in the timeline');
    assert.equal(readlinkSync(s.tree.currentLink), join('releases', 'v1'));
    assert.match((await text(s.direct)).body, /^hello from web-b v1 /);
    const answered = await sendRequests(s.haproxy.url, 10);
    assert.equal(answered.filter((b) => b === 'web-b').length, 5);
  });

  it('when neither restart nor rollback helps, it pages through PagerDuty and the webhook and keeps the backend out of rotation', async (t) => {
    const s = await stack('web-c', 'v2', ['v1', 'v2']);
    const name = uniqueName(t.name);

    const result = await runIncident(name, s, async (handle) => {
      await eventually('the escalation to wait for an ack', async () => ((await handle.query(stateQuery)).awaitingAck ? true : undefined), 60_000).catch(
        async (err: Error) => {
          const timeline = await handle.query(timelineQuery);
          throw new Error(`${err.message}; timeline so far:\n${timeline.map((e) => `  ${e.kind} ${e.message}`).join('\n')}`);
        },
      );
      await act(handle, ackUpdate, 'alice', 'looking at it');
    });

    assert.equal(result.outcome, 'escalated');
    assert.deepEqual(steps(result), [
      'isolate web-c',
      'diagnose web-c',
      'restart web-c (first attempt)',
      'verify web-c after restart',
      'roll back web-c',
      'restart web-c (after rollback)',
      'verify web-c after rollback',
      'escalate',
      'acknowledge the page',
    ]);
    const pages = receiver.to('/v2/enqueue').map((r) => JSON.parse(r.body) as Record<string, unknown>);
    const page = pages.find((p) => p['dedup_key'] === result.incidentId);
    assert.equal(page?.['event_action'], 'trigger');
    assert.deepEqual(
      pages.filter((p) => p['dedup_key'] === result.incidentId).map((p) => p['event_action']),
      ['trigger', 'acknowledge'],
      'the ack reaches PagerDuty under the same dedup key',
    );
    assert.match(String((page?.['payload'] as Record<string, unknown>)['summary']), /web-c is still unhealthy after a restart and a rollback/);
    const hook = receiver.to('/hook').map((r) => JSON.parse(r.body) as Record<string, unknown>).find((b) => b['incidentId'] === result.incidentId);
    assert.equal(hook?.['event'], 'trigger');
    const escalate = entriesOf(result, 'step-succeeded').find((e) => e.step === 'escalate');
    assert.equal(escalate?.message, 'escalate: trigger sent to pagerduty, oncall-hook');
    const answered = await sendRequests(s.haproxy.url, 10);
    assert.deepEqual([...new Set(answered)], ['spare'], 'the still-broken backend stays out of rotation');
  });
});
