import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { signedHeaders } from '../../src/intake/auth.js';
import { incidentWorkflowId } from '../../workflows/definitions.js';
import { guardWorkflowId } from '../../workflows/guards/definitions.js';
import { reported } from '../helpers/chaos-summary.js';
import { post } from '../helpers/intake.js';
import { freePort, runMedic, startMedic, type LongRunning } from '../helpers/processes.js';
import { findSecrets, historySources, listRuns, secretForms, type Finding } from '../helpers/secret-scan.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName } from '../helpers/temporal.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

// Secrets in use, then looked for everywhere medic writes: `medic worker` pages PagerDuty, Slack
// and a webhook (a local receiver) with distinctive secrets; `medic intake` takes alerts with a
// bearer token and an HMAC secret, and refuses some with wrong ones; humans ack and abort. Then
// every history the run produced (each run on its task queue, the guard workflow's included, raw
// and decoded), timeline, audit, log line and metrics page is scanned for each secret as is,
// URL-encoded and base64-encoded at any offset. The receiver is the control: it
// must see every secret, so the scan is known to look for what was really used.

const dir = mkdtempSync(join(tmpdir(), 'medic-secrets-'));
const processes: LongRunning[] = [];
let receiver: WebhookReceiver | undefined;
after(async () => {
  for (const p of processes) await p.stop(10_000).catch(() => undefined);
  await receiver?.close();
  await closeTestTemporal();
  rmSync(dir, { recursive: true, force: true });
});

const secret = (what: string) => `${what}${randomBytes(12).toString('hex')}`;

describe('secrets', () => {
  it('tokens, routing keys and webhook URLs appear in no history, timeline, audit, log or metrics page', (t) => reported(t, 'secret scan: histories, timelines, audits, logs', async (report) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    const S = {
      pagerDutyKey: secret('pdkey'),
      slackPath: secret('slackpath'),
      webhookToken: secret('hooktoken'),
      webhookAuth: secret('hookauth'),
      intakeToken: secret('intaketoken'),
      hmacSecret: secret('hmacsecret'),
    };
    const secrets = Object.values(S);
    receiver = await WebhookReceiver.start();
    const slackPath = `/services/T0/B0/${S.slackPath}`;
    // Slack fails once (5xx, retried); the webhook refuses the second page (4xx): failure paths too.
    receiver.reply(slackPath, { status: 500, body: 'upstream down' }, { status: 200, body: 'ok' });
    receiver.reply(`/hook?token=${S.webhookToken}`, { status: 200 }, { status: 401, body: 'bad auth' }, { status: 200 });
    receiver.reply('/v2/enqueue', { status: 202, body: '{"status":"success"}' });
    writeFileSync(join(dir, 'slack-url'), `${receiver.url(slackPath)}\n`);
    const config = join(dir, 'medic.yaml');
    writeFileSync(
      config,
      `routes:
  - name: failing outage
    match: { alertname: SecretOutage }
    playbook: http-service-outage
    targetFromLabel: instance
    params: { humanHold: 2 seconds }
defaultRoute:
  playbook: diagnose-and-escalate
  targetFromLabel: instance
  params: { ackTimeout: 1 hour }
escalation:
  webUiUrl: http://temporal-ui.internal:8233
  channels:
    - type: log
    - { type: pagerduty, routingKey: { env: MEDIC_TEST_PD_KEY }, url: "${receiver.url('/v2/enqueue')}", timeout: 2s, attempts: 2 }
    - { type: slack, webhookUrl: { file: ${join(dir, 'slack-url')} }, timeout: 2s, attempts: 2 }
    - type: webhook
      name: oncall-bot
      url: { env: MEDIC_TEST_HOOK_URL }
      headers: { Authorization: { env: MEDIC_TEST_HOOK_AUTH } }
      timeout: 2s
      attempts: 1
`,
    );
    const [intakePort, workerMetrics] = [await freePort(), await freePort()];
    const env = {
      TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '',
      MEDIC_TASK_QUEUE: name,
      MEDIC_CONFIG: config,
      MEDIC_LOG_LEVEL: 'debug', // the most a log can say
      MEDIC_WORKER_METRICS: `127.0.0.1:${workerMetrics}`,
      MEDIC_INTAKE_TOKEN: S.intakeToken,
      MEDIC_INTAKE_HMAC_SECRET: S.hmacSecret,
      MEDIC_TEST_PD_KEY: S.pagerDutyKey,
      MEDIC_TEST_HOOK_URL: receiver.url(`/hook?token=${S.webhookToken}`),
      MEDIC_TEST_HOOK_AUTH: `Bearer ${S.webhookAuth}`,
      MEDIC_ENCRYPTION_KEY: '',
      MEDIC_ENCRYPTION_KEY_FILE: '',
    };
    const worker = startMedic(['worker'], env);
    const intake = startMedic(['intake', '--host', '127.0.0.1', '--port', String(intakePort)], env);
    processes.push(worker, intake);
    await Promise.all([worker.waitFor(/worker ready/, 90_000), intake.waitFor(/intake ready/, 60_000)]);
    const intakeUrl = `http://127.0.0.1:${intakePort}`;
    const commandOutputs: string[] = [];
    const medic = async (args: string[]) => {
      const r = await runMedic(args, env);
      commandOutputs.push(`$ medic ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
      return r;
    };

    // Alerts in, with the right credentials and with wrong ones.
    const fp = (k: string) => `${name}-${k}`;
    const amAlert = (k: string, alertname: string) => ({
      version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'medic',
      alerts: [{ status: 'firing', fingerprint: fp(k), labels: { alertname, service: 'vault', instance: `${name}-${k}` }, annotations: { summary: 'secret scan' }, startsAt: '2026-01-01T00:00:00Z' }],
    });
    const auth = { authorization: `Bearer ${S.intakeToken}` };
    /** A request with wrong credentials: counted as refused only if the intake answered 401. */
    const forged = async (url: string, body: unknown, headers: Record<string, string>) => {
      const status = (await post(url, body, headers)).status;
      report.hostile(1, status === 401 ? 1 : 0);
      return status;
    };
    assert.equal((await post(`${intakeUrl}/v1/signals/alertmanager`, amAlert('paged', 'SecretAlert'), auth)).status, 202);
    assert.equal((await post(`${intakeUrl}/v1/signals/alertmanager`, amAlert('failed', 'SecretOutage'), auth)).status, 202);
    assert.equal(await forged(`${intakeUrl}/v1/signals/alertmanager`, amAlert('refused', 'SecretAlert'), { authorization: `Bearer ${S.intakeToken}x` }), 401);
    const generic = JSON.stringify({ alertname: 'SecretSigned', service: 'vault', fingerprint: fp('signed'), labels: { instance: `${name}-signed` } });
    assert.equal((await post(`${intakeUrl}/v1/signals`, generic, { ...signedHeaders(S.hmacSecret, generic) })).status, 202);
    assert.equal(await forged(`${intakeUrl}/v1/signals`, generic, { ...signedHeaders(`${S.hmacSecret}x`, generic) }), 401);
    const viaCli = await medic(['signal', '--intake', intakeUrl, '--alertname', 'SecretCli', '--service', 'vault', '--fingerprint', fp('cli'), '--label', `instance=${name}-cli`, '--json']);
    assert.equal(viaCli.code, 0, viaCli.stderr);

    // Humans act: acknowledge (the page is acknowledged), then abort (the page is resolved).
    const ids = ['paged', 'failed', 'signed', 'cli'].map((k) => incidentWorkflowId(fp(k)));
    report.expectIncidents(ids.length);
    const [paged, failed, signed, cli] = ids as [string, string, string, string];
    const timelineOf = async (id: string) => (await medic(['show', id, '--json'])).stdout;
    for (const id of [paged, signed, cli]) await eventually(`${id} to escalate`, async () => ((await timelineOf(id)).includes('escalated to a human') ? true : undefined), 60_000);
    for (const id of [paged, signed, cli]) {
      assert.equal((await medic(['ack', id, '--by', 'alice', '--reason', 'on it'])).code, 0);
      assert.equal((await medic(['abort', id, '--by', 'alice', '--reason', 'false alarm'])).code, 0);
    }
    // Every incident closes, the failing outage by itself; completed is what the server says.
    const closed = await Promise.all(ids.map((id) => report.completion(client.workflow.getHandle(id), 60_000)));
    assert.deepEqual(closed.map((c) => c.status), ids.map(() => 'COMPLETED'), 'every incident completed');
    await assert.rejects(client.workflow.getHandle(incidentWorkflowId(fp('refused'))).describe(), WorkflowNotFoundError, 'a refused alert opened nothing');

    // The control: every secret really was used, and the scanner finds it where it was sent.
    const sent = receiver.requests.map((r) => `${r.path}\n${JSON.stringify(r.headers)}\n${r.body}`).join('\n');
    for (const [what, value] of Object.entries({ pagerDutyKey: S.pagerDutyKey, slackPath: S.slackPath, webhookToken: S.webhookToken, webhookAuth: S.webhookAuth })) {
      assert.ok(findSecrets('receiver', sent, [value]).length > 0, `the ${what} was used`);
    }
    assert.ok(findSecrets('control', Buffer.from(`{"x":"${S.pagerDutyKey}"}`).toString('base64'), secrets).length > 0, 'a base64-encoded secret is found');
    assert.ok(receiver.to(slackPath).length >= 2 && receiver.to(`/hook?token=${S.webhookToken}`).length >= 2, 'the failure paths ran (Slack 5xx retried, webhook 4xx)');
    assert.ok(receiver.to('/v2/enqueue').some((r) => r.body.includes('"acknowledge"')) && receiver.to('/v2/enqueue').some((r) => r.body.includes('"resolve"')), 'pages were acknowledged and resolved');

    // Everything medic wrote: every history on this run's task queue (incidents, the guard, runs a
    // continue-as-new left behind; JSON and decoded payloads), timelines, audits, logs, metrics.
    const guard = guardWorkflowId(name);
    const query = `TaskQueue = "${name}"`;
    const listed = await eventually('visibility to list every incident and the guard', async () => {
      const runs = await listRuns(client, query);
      const seen = new Set(runs.map((r) => r.workflowId));
      return [...ids, guard].every((id) => seen.has(id)) ? runs : undefined;
    }, 30_000);
    const histories = await historySources(client, query);
    assert.ok(histories.runs.length >= listed.length, 'no history was dropped between two listings');
    assert.ok(histories.runs.some((r) => r.workflowId === guard && r.type === 'guardWorkflow'), 'the guard workflow\'s history is scanned');
    const sources: [string, string][] = [...histories.sources];
    t.diagnostic(`${histories.runs.length} workflow histories scanned: ${[...new Set(histories.runs.map((r) => r.type))].join(', ')}`);
    for (const id of ids) {
      sources.push([`timeline ${id}`, await timelineOf(id)]);
      const audit = await medic(['audit', id, '--json', '--all-events']);
      assert.equal(audit.code, 0, audit.stderr);
      sources.push([`audit ${id}`, audit.stdout]);
    }
    sources.push(['worker metrics', await (await fetch(`http://127.0.0.1:${workerMetrics}/metrics`)).text()]);
    sources.push(['intake metrics', await (await fetch(`${intakeUrl}/metrics`)).text()]);
    for (const p of processes) await p.stop(10_000);
    sources.push(['worker log', worker.output], ['intake log', intake.output], ['medic commands', commandOutputs.join('\n')]);
    assert.ok(worker.output.includes('step started') && intake.output.includes('request refused'), 'the logs were captured');

    const findings: Finding[] = sources.flatMap(([source, text]) => findSecrets(source, text, secrets));
    report.secrets(findings);
    const scanned = sources.reduce((n, [, text]) => n + text.length, 0);
    t.diagnostic(`scanned ${sources.length} sources (${Math.round(scanned / 1024)} KiB) for ${secrets.length} secrets in ${secretForms(S.pagerDutyKey).length} forms each: ${findings.length} found`);
    assert.deepEqual(findings, [], 'no secret anywhere medic writes');
  }));
});
