import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runMedic } from '../helpers/processes.js';

// `medic signal --plan` as an operator runs it: routes the alert with the real configuration,
// prints what the playbook would act on, and sends nothing (no Temporal is reachable here).

const dir = mkdtempSync(join(tmpdir(), 'medic-signal-plan-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = `routes:
  - name: checkout
    match: { alertname: HighErrorRate }
    playbook: http-service-outage
    target: checkout-1
targets:
  checkout-1:
    haproxy: { runtimeApi: { socket: /run/haproxy/admin.sock }, backend: checkout, server: api-1 }
    process: { manager: systemd, unit: checkout.service, systemctl: [sudo, -n, systemctl] }
    verify: { checks: [{ type: http, url: "http://ops:hunter2@127.0.0.1:8081/healthz" }] }
    release: { releasesDir: /srv/checkout/releases, currentLink: /srv/checkout/current }
escalation:
  channels: [{ type: slack, webhookUrl: "https://hooks.slack.example/T000/B000/XXXX" }]
`;

describe('medic signal --plan', () => {
  it('prints the resolved driver configuration, secrets redacted, and sends nothing', async () => {
    const config = join(dir, 'medic.yaml');
    writeFileSync(config, CONFIG);
    // An address nothing listens on: a delivery would fail with exit code 3.
    const env = { MEDIC_CONFIG: config, TEMPORAL_ADDRESS: '127.0.0.1:1' };
    const run = await runMedic(['signal', '--alertname', 'HighErrorRate', '--service', 'checkout', '--severity', 'critical', '--plan'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^plan: playbook http-service-outage on checkout-1; nothing was sent$/m);
    assert.match(run.stdout, /isolate \(takes-out\): targets\.checkout-1\.haproxy\n {4}runtimeApi: \/run\/haproxy\/admin\.sock\n {4}backend: checkout\n {4}server: api-1/);
    assert.match(run.stdout, /restart: \[sudo, -n, systemctl, restart, checkout\.service\]/);
    assert.match(run.stdout, /"url":"http:\/\/ops:redacted@127\.0\.0\.1:8081\/healthz"/);
    assert.match(run.stdout, /webhookUrl <redacted: an inline value>/);
    assert.ok(!run.stdout.includes('hunter2') && !run.stdout.includes('hooks.slack.example'), run.stdout);

    const json = await runMedic(['signal', '--alertname', 'HighErrorRate', '--service', 'checkout', '--plan', '--json'], env);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { route: { playbook: string }; plan: { activities: { activity: string }[] } };
    assert.equal(parsed.route.playbook, 'http-service-outage');
    assert.deepEqual(parsed.plan.activities.map((a) => a.activity), ['isolate', 'diagnose', 'restart', 'verify', 'rollback', 'rejoin', 'escalate']);

    const unrouted = await runMedic(['signal', '--alertname', 'Unknown', '--service', 'x', '--plan'], env);
    assert.equal(unrouted.code, 1);
    assert.match(unrouted.stderr, /signal not routed/);
  });
});
