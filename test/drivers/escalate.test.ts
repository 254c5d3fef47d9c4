import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EscalateInput, EscalationEvent } from '../../activities/contract.js';
import { FailureType } from '../../activities/contract.js';
import { activityFailure, driverActivities, runActivity, testConfig } from '../helpers/driver-activities.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefghijkl';
const SLACK_SECRET_PATH = '/services/T000/B000/sl4cks3cr3t';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const input = (event: EscalationEvent, reason = 'checkout-api-1 is still unhealthy after a restart and a rollback'): EscalateInput => ({
  incidentId: 'incident-fp-1234',
  target: 'checkout-api-1',
  params: {},
  event,
  reason,
  severity: 'critical',
});

describe('escalation channels against a local receiver', () => {
  const dir = mkdtempSync(join(tmpdir(), 'medic-escalate-'));
  let receiver: WebhookReceiver;
  const withChannels = (channels: unknown[], webUiUrl?: string) =>
    driverActivities(testConfig({ targets: { 'checkout-api-1': { pool: 'web' } }, escalation: { channels, ...(webUiUrl && { webUiUrl }) } }));

  before(async () => {
    receiver = await WebhookReceiver.start();
    process.env['MEDIC_TEST_PD_KEY'] = ROUTING_KEY;
    writeFileSync(join(dir, 'token'), 'Bearer t0ken\n');
  });
  after(async () => {
    await receiver.close();
    delete process.env['MEDIC_TEST_PD_KEY'];
    rmSync(dir, { recursive: true, force: true });
  });

  it('PagerDuty gets trigger, acknowledge and resolve in the Events API v2 format, with the incident id as dedup_key', async () => {
    const pdAnswer = { status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"incident-fp-1234"}' };
    receiver.reply('/v2/enqueue', pdAnswer);
    const activities = withChannels([{ type: 'pagerduty', routingKey: { env: 'MEDIC_TEST_PD_KEY' }, url: receiver.url('/v2/enqueue') }], 'http://localhost:8233');
    const outputs = [];
    for (const event of ['trigger', 'acknowledge', 'resolve'] as const) outputs.push((await runActivity(activities.escalate, input(event))).result);

    const [trigger, ack, resolve] = receiver.to('/v2/enqueue');
    assert.equal(receiver.to('/v2/enqueue').length, 3);
    assert.equal(trigger?.method, 'POST');
    assert.equal(trigger?.headers['content-type'], 'application/json');
    const body = JSON.parse(trigger?.body ?? '');
    assert.match(body.payload.timestamp, ISO);
    assert.deepEqual(body, {
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'incident-fp-1234',
      payload: {
        summary: 'checkout-api-1 is still unhealthy after a restart and a rollback',
        source: 'checkout-api-1',
        severity: 'critical',
        timestamp: body.payload.timestamp,
        component: 'checkout-api-1',
        group: 'web',
        class: 'medic escalation',
        custom_details: {
          incident: 'incident-fp-1234',
          target: 'checkout-api-1',
          severity: 'critical',
          acknowledge: 'medic ack incident-fp-1234 --by NAME --reason TEXT',
        },
      },
      client: 'medic',
      client_url: 'http://localhost:8233/namespaces/test/workflows/incident-fp-1234',
      links: [{ href: 'http://localhost:8233/namespaces/test/workflows/incident-fp-1234', text: 'incident timeline in Temporal' }],
    });
    // acknowledge and resolve carry only what the API reads for them.
    assert.deepEqual(JSON.parse(ack?.body ?? ''), { routing_key: ROUTING_KEY, event_action: 'acknowledge', dedup_key: 'incident-fp-1234' });
    assert.deepEqual(JSON.parse(resolve?.body ?? ''), { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'incident-fp-1234' });

    assert.equal(outputs[0]?.summary, 'trigger sent to pagerduty');
    assert.deepEqual(outputs[0]?.data?.['channels'], { pagerduty: { ok: true, status: 202, attempts: 1 } });
    assert.ok(!JSON.stringify(outputs).includes(ROUTING_KEY), 'the routing key never enters a step output (the workflow history)');
  });

  it('a Slack incoming webhook gets text and blocks, with mrkdwn control characters escaped', async () => {
    const activities = withChannels([{ type: 'slack', webhookUrl: receiver.url(SLACK_SECRET_PATH) }]);
    await runActivity(activities.escalate, input('trigger', 'error rate > 5% on <checkout> & cart'));
    const [request] = receiver.to(SLACK_SECRET_PATH);
    assert.deepEqual(JSON.parse(request?.body ?? ''), {
      text: '[medic] critical: error rate &gt; 5% on &lt;checkout&gt; &amp; cart (target checkout-api-1, incident incident-fp-1234)',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: ':rotating_light: *medic needs a human (critical)*\nerror rate &gt; 5% on &lt;checkout&gt; &amp; cart' } },
        {
          type: 'context',
          elements: [{ type: 'mrkdwn', text: 'incident `incident-fp-1234` | target `checkout-api-1` | ack: `medic ack incident-fp-1234 --by NAME --reason TEXT`' }],
        },
      ],
    });
  });

  it("the generic webhook gets medic's documented JSON (version 1), with headers read from secret files", async () => {
    const activities = withChannels([{ type: 'webhook', name: 'oncall-bot', url: receiver.url('/hook'), headers: { Authorization: { file: join(dir, 'token') } } }]);
    const { result } = await runActivity(activities.escalate, input('resolve', 'recovered'));
    const [request] = receiver.to('/hook');
    assert.equal(request?.headers['authorization'], 'Bearer t0ken');
    const body = JSON.parse(request?.body ?? '');
    assert.match(body.sentAt, ISO);
    assert.deepEqual(body, {
      version: 1,
      source: 'medic',
      event: 'resolve',
      incidentId: 'incident-fp-1234',
      dedupKey: 'incident-fp-1234',
      target: 'checkout-api-1',
      pool: 'web',
      severity: 'critical',
      reason: 'recovered',
      acknowledge: null,
      link: null,
      sentAt: body.sentAt,
    });
    assert.equal(result.summary, 'resolve sent to oncall-bot');
  });

  it('5xx answers and timeouts are retried until the receiver accepts', async () => {
    receiver.reply('/flaky', { status: 503, body: 'upstream unavailable' }, { status: 200, delayMs: 1_500 }, { status: 200, body: 'ok' });
    const activities = withChannels([{ type: 'webhook', url: receiver.url('/flaky'), timeout: '400ms', attempts: 3 }]);
    const { result } = await runActivity(activities.escalate, input('trigger'));
    assert.equal(receiver.to('/flaky').length, 3, 'a 503, a timeout, then success');
    assert.deepEqual(result.data?.['channels'], { webhook: { ok: true, status: 200, attempts: 3 } });
  });

  it('a 4xx answer is not retried: one request, and a non-retryable failure', async () => {
    receiver.reply('/bad', { status: 400, body: '{"status":"invalid event","message":"Event object is invalid"}' });
    const activities = withChannels([{ type: 'pagerduty', routingKey: 'wrong-key', url: receiver.url('/bad') }]);
    const failure = await activityFailure(activities.escalate, input('trigger'));
    assert.equal(receiver.to('/bad').length, 1);
    assert.equal(failure.type, FailureType.DeliveryRejected);
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /pagerduty rejected the escalation with HTTP 400: .*Event object is invalid/);
  });

  it('5xx on every try fails retryably after the configured attempts, so the workflow tries again later', async () => {
    receiver.reply('/down', { status: 502 });
    const activities = withChannels([{ type: 'webhook', url: receiver.url('/down'), attempts: 2 }]);
    const failure = await activityFailure(activities.escalate, input('trigger'));
    assert.equal(receiver.to('/down').length, 2);
    assert.equal(failure.type, FailureType.DeliveryFailed);
    assert.equal(failure.nonRetryable, false);
  });

  it('a broken Slack webhook does not hold up the page: the step succeeds and names the failure, not the URL', async () => {
    receiver.reply('/v2/ok', { status: 202 });
    receiver.reply(SLACK_SECRET_PATH, { status: 404, body: 'no_service' });
    const activities = withChannels([
      { type: 'log' },
      { type: 'pagerduty', routingKey: ROUTING_KEY, url: receiver.url('/v2/ok') },
      { type: 'slack', webhookUrl: receiver.url(SLACK_SECRET_PATH) },
    ]);
    const { result } = await runActivity(activities.escalate, input('trigger'));
    assert.match(result.summary, /^trigger sent to log, pagerduty; FAILED: slack \(slack rejected the escalation with HTTP 404: no_service/);
    assert.ok(!JSON.stringify(result).includes('sl4cks3cr3t'), 'the webhook URL (a secret) is not in the output');
  });

  it('a secret that is not set fails non-retryably, naming the variable', async () => {
    const activities = withChannels([{ type: 'pagerduty', routingKey: { env: 'MEDIC_TEST_UNSET_KEY' }, url: receiver.url('/v2/never') }]);
    const failure = await activityFailure(activities.escalate, input('trigger'));
    assert.equal(failure.type, FailureType.Misconfiguration);
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /environment variable MEDIC_TEST_UNSET_KEY is not set on the worker/);
    assert.equal(receiver.to('/v2/never').length, 0);
  });
});
