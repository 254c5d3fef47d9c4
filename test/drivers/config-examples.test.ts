import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { EXAMPLE_CONFIG_PATH, loadConfig, parseConfig } from '../../src/config/load-config.js';

const DRIVERS_DOC = fileURLToPath(new URL('../../docs/drivers.md', import.meta.url));

describe('driver configuration: documented examples and errors that name the field', () => {
  it('every yaml example in docs/drivers.md is a valid configuration', () => {
    const blocks = [...readFileSync(DRIVERS_DOC, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    assert.ok(blocks.length >= 8, `found ${blocks.length} examples`);
    for (const [i, block] of blocks.entries()) parseConfig(block, `docs/drivers.md example ${i + 1}`);
  });

  it('the shipped example configures every driver and keeps its routes', () => {
    const config = loadConfig(EXAMPLE_CONFIG_PATH);
    // Every process manager is shown once; a target with no drivers (the quick start's) may stand beside them.
    const managers = Object.values(config.targets).flatMap((t) => (t.process === undefined ? [] : [t.process.manager]));
    assert.deepEqual(managers.sort(), ['command', 'pm2', 'systemd']);
    const checkout = config.targets['checkout-api'];
    assert.ok(checkout?.haproxy && checkout.verify && checkout.release && checkout.diagnose);
    assert.equal(checkout.haproxy.drainTimeout, 60_000, 'durations are read as milliseconds');
    assert.equal(config.routes[0]?.target, 'checkout-api');
    assert.equal(config.defaultRoute?.playbook, 'diagnose-and-escalate');
  });

  const bad: Array<[string, string, RegExp]> = [
    ['a shell string instead of argv', 'targets:\n  a:\n    process: { manager: command, restart: ["supervisorctl restart a"], pid: { file: /run/a.pid } }\n', /targets\.a\.process\.restart: the first item is the program, not a command line/],
    ['a duration without a unit', 'targets:\n  a:\n    verify: { deadline: soon, checks: [{ type: tcp, port: 80 }] }\n', /targets\.a\.verify\.deadline: "soon" is not a duration/],
    ['an unknown process manager', 'targets:\n  a:\n    process: { manager: upstart, name: a }\n', /targets\.a\.process\.manager/],
    ['a misspelt HAProxy field', 'targets:\n  a:\n    haproxy: { runtimeApi: { socket: /s }, backend: b, server: s, drainTimout: 5s }\n', /targets\.a\.haproxy: Unrecognized key: "drainTimout"/],
    ['a secret from an invalid variable name', 'escalation:\n  channels: [{ type: pagerduty, routingKey: { env: "PD KEY" } }]\n', /escalation\.channels\.0\.routingKey/],
    ['two channels with one name', 'escalation:\n  channels: [{ type: webhook, url: a }, { type: webhook, url: b }]\n', /escalation\.channels\.1\.name: two channels are named "webhook"/],
    ['a verify URL that is not http', 'targets:\n  a:\n    verify: { checks: [{ type: http, url: "file:///etc/passwd" }] }\n', /targets\.a\.verify\.checks\.0\.url: must be an http/],
  ];
  for (const [what, text, expected] of bad) {
    it(`rejects ${what}, naming the field`, () => {
      assert.throws(() => parseConfig(text, 'medic.yaml'), (err: Error) => {
        assert.match(err.message, expected);
        return true;
      });
    });
  }
});
