import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXAMPLE_CONFIG_PATH, loadConfig, parseConfig } from '../../src/config/load-config.js';

describe('configuration', () => {
  it('accepts the shipped example configuration', () => {
    const config = loadConfig(EXAMPLE_CONFIG_PATH);
    assert.equal(config.defaultRoute?.playbook, 'diagnose-and-escalate', 'the example routes stray alerts to the safe playbook');
    assert.ok(config.routes.length >= 1);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['an unknown playbook', 'routes:\n  - name: r\n    playbook: reboot-everything\n    target: a\n', /routes\.0\.playbook: unknown playbook/],
    ['a route with two targets', 'routes:\n  - name: r\n    playbook: http-service-outage\n    target: a\n    targetFromLabel: instance\n', /routes\.0: set exactly one of "target" or "targetFromLabel"/],
    ['a broken regex', 'routes:\n  - name: r\n    matchRegex: { service: "(" }\n    playbook: http-service-outage\n    target: a\n', /routes\.0\.matchRegex\.service: is not a valid regular expression/],
    ['a misspelt field', 'defaultRoute:\n  playbok: diagnose-and-escalate\n', /defaultRoute: Unrecognized key: "playbok"/],
    ['a target name with a shell character', 'targets:\n  "api;rm -rf /": {}\n', /targets/],
    ['YAML that does not parse', 'routes: [\n', /not valid YAML/],
    ['a pm2 name that `pm2 restart` reads as every app', 'targets:\n  web:\n    process: { manager: pm2, name: all }\n', /targets\.web\.process\.name: must be the name of one PM2 app/],
    ['a pm2 name that `pm2 restart` reads as an option', 'targets:\n  web:\n    process: { manager: pm2, name: "--force" }\n', /targets\.web\.process\.name: must be the name of one PM2 app/],
  ];
  for (const [what, text, expected] of bad) {
    it(`rejects ${what} with an error naming the field`, () => {
      assert.throws(() => parseConfig(text, 'test.yaml'), (err: Error) => {
        assert.match(err.message, /^test\.yaml: /);
        assert.match(err.message, expected);
        return true;
      });
    });
  }

  it('says which file it could not read', () => {
    assert.throws(() => loadConfig('/nonexistent/medic.yaml'), /cannot read configuration \/nonexistent\/medic\.yaml.*To fix: set MEDIC_CONFIG/);
  });
});

describe('routes are checked against their playbook when the configuration loads', () => {
  const withRoute = (route: string, targets = '') =>
    `routes:\n${route}\ntargets:\n  web-1:\n    haproxy: { runtimeApi: { socket: /tmp/x.sock }, backend: b, server: s }\n${targets}escalation: { channels: [{ type: log }] }\n`;

  it('refuses a misspelt duration in a route parameter, naming the route and the field', () => {
    const text = withRoute('  - name: checkout\n    playbook: diagnose-and-escalate\n    targetFromLabel: instance\n    params: { ackTimeout: 15 minuets }');
    assert.throws(() => parseConfig(text, 'medic.yaml'), (err: unknown) => {
      const message = (err as Error).message;
      assert.match(message, /routes\.0\.params\.ackTimeout/);
      assert.match(message, /route "checkout"/);
      assert.match(message, /"15 minuets" is not a duration/);
      return true;
    });
  });

  it('refuses a parameter the playbook does not take, and says which', () => {
    const text = withRoute('  - name: checkout\n    playbook: http-service-outage\n    targetFromLabel: instance\n    params: { approveRestarts: true }');
    assert.throws(() => parseConfig(text, 'medic.yaml'), /http-service-outage takes no parameter "approveRestarts"/);
  });

  it('refuses a route whose target lacks a section its playbook needs, and says what to add', () => {
    const text = withRoute('  - name: web\n    playbook: http-service-outage\n    target: web-1');
    assert.throws(() => parseConfig(text, 'medic.yaml'), (err: unknown) => {
      const message = (err as Error).message;
      assert.match(message, /http-service-outage on web-1 needs a process section \(manager: pm2, systemd or command\) for restart; a verify section/);
      assert.match(message, /a release section \(releasesDir, currentLink\) for rollback\./);
      assert.doesNotMatch(message, /haproxy section/, 'the haproxy section is there');
      return true;
    });
  });

  it('accepts durations in every documented form and applies the defaults', () => {
    for (const value of ['90s', '15m', '15 minutes', '1h', '1d', '900000']) {
      const text = withRoute(`  - name: c\n    playbook: diagnose-and-escalate\n    targetFromLabel: instance\n    params: { ackTimeout: ${value} }`);
      assert.doesNotThrow(() => parseConfig(text, 'medic.yaml'), value);
    }
  });
});
