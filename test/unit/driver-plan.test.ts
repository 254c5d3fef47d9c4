import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { registerPlaybook, type Playbook } from '../../playbooks/index.js';
import { driverPlan, formatDriverPlan, redactUrl } from '../../src/cli/driver-plan.js';
import { parseConfig } from '../../src/config/load-config.js';
import { definePlaybook } from '../../workflows/runtime/playbook-api.js';

// `medic signal --dry-run`: what a routed signal would act on, resolved from the configuration,
// secrets shown as where they come from.

registerPlaybook(
  definePlaybook({
    name: 'driver-plan-test',
    description: 'isolate, run a command, verify (test only)',
    params: z.object({}),
    activities: ['isolate', 'command', 'verify', 'escalate'],
    stopsOnResolve: true,
    async run() {
      return 'recovered';
    },
  }) as unknown as Playbook,
);

const config = parseConfig(
  `targets:
  web-1:
    haproxy: { runtimeApi: { host: 127.0.0.1, port: 9999 }, backend: web, server: w1 }
    commands:
      cleanup: { argv: [/usr/local/bin/cleanup, --older-than, 7d], effect: changes, cwd: /var/tmp, env: { TOKEN: { env: CLEANUP_TOKEN }, PASSWORD: hunter2 } }
      report: { argv: [df, -h], effect: read-only }
escalation:
  channels: [{ type: pagerduty, routingKey: pd-key-value }, { type: webhook, name: bot, url: "https://hooks.example/abc?sig=zzz", headers: { Authorization: { file: /etc/medic/auth } } }]
`,
  'medic.yaml',
);
const route = { route: 'r', playbook: 'driver-plan-test', target: 'web-1', params: {}, dryRun: false };

describe('the driver plan of a dry run', () => {
  it('resolves each declared activity to its section: HAProxy backend and server, every command argv with its effect', () => {
    const plan = driverPlan(config, route);
    const by = Object.fromEntries(plan.activities.map((a) => [a.activity, a]));
    assert.deepEqual(by['isolate']?.config, { runtimeApi: '127.0.0.1:9999', backend: 'web', server: 'w1', isolateAs: 'drain', drainTimeoutMs: 60_000 });
    assert.equal(by['command']?.effect, 'per call');
    assert.deepEqual((by['command']?.config?.['cleanup'] as Record<string, unknown>)['argv'], ['/usr/local/bin/cleanup', '--older-than', '7d']);
    assert.match(by['verify']?.missing ?? '', /no verify section: the step would fail\. To fix: add a verify section/);
    const text = formatDriverPlan(plan, 'nothing').join('\n');
    assert.match(text, /cleanup: \[\/usr\/local\/bin\/cleanup, --older-than, 7d\] \(changes, held by medic pause\)/);
    assert.match(text, /report: \[df, -h\] \(read-only\)\n/);
    assert.match(text, /cwd: \/var\/tmp/);
  });

  it('never shows a secret: env values, routing keys, webhook URLs and headers are named by where they come from', () => {
    const text = JSON.stringify(driverPlan(config, route)) + formatDriverPlan(driverPlan(config, route), 'nothing').join('\n');
    for (const value of ['hunter2', 'pd-key-value', 'hooks.example', 'zzz']) assert.ok(!text.includes(value), `${value} is not shown`);
    assert.match(text, /TOKEN.*<redacted: environment variable CLEANUP_TOKEN>/);
    assert.match(text, /Authorization.*<redacted: file \/etc\/medic\/auth>/);
  });

  it('redacts the password and query values of a URL, and keeps the rest', () => {
    assert.equal(redactUrl('http://ops:hunter2@127.0.0.1:8081/healthz?token=abc&x=1'), 'http://ops:redacted@127.0.0.1:8081/healthz?token=redacted&x=redacted');
    assert.equal(redactUrl('http://127.0.0.1:9090'), 'http://127.0.0.1:9090/');
  });
});
