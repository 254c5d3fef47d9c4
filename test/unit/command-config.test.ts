import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { definePlaybook, type Playbook } from '../../workflows/runtime/playbook-api.js';
import { registerPlaybook } from '../../playbooks/index.js';
import { parseConfig } from '../../src/config/load-config.js';

// The `commands` section of a target: named actions, each an argv with its effect. Errors name the
// field, as every configuration error does.

const config = (commands: string): string => `targets:\n  web-1:\n    commands:\n${commands}`;

describe('the commands section of a target', () => {
  it('reads an action with its defaults: a 2-minute timeout, no extra env, not retried', () => {
    const parsed = parseConfig(config('      cleanup: { argv: [/usr/local/bin/cleanup-tmp, --older-than, 7d], effect: changes }\n'), 'medic.yaml');
    assert.deepEqual(parsed.targets['web-1']?.commands?.['cleanup'], {
      argv: ['/usr/local/bin/cleanup-tmp', '--older-than', '7d'],
      effect: 'changes',
      timeout: 120_000,
      env: {},
      retryable: false,
    });
  });

  it('reads env values as literals or secret references, and the timeout as a duration', () => {
    const parsed = parseConfig(
      config('      report:\n        argv: [df, -h]\n        effect: read-only\n        timeout: 30s\n        cwd: /srv\n        env: { LANG: C, TOKEN: { env: CLEANUP_TOKEN }, KEY: { file: /etc/medic/key } }\n        retryable: true\n'),
      'medic.yaml',
    );
    const report = parsed.targets['web-1']?.commands?.['report'];
    assert.equal(report?.timeout, 30_000);
    assert.deepEqual(report?.env, { LANG: 'C', TOKEN: { env: 'CLEANUP_TOKEN' }, KEY: { file: '/etc/medic/key' } });
    assert.equal(report?.retryable, true);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['an action without its effect', '      cleanup: { argv: [cleanup] }\n', /targets\.web-1\.commands\.cleanup\.effect: Invalid option: expected one of "changes"\|"read-only"/],
    ['an effect medic does not know', '      cleanup: { argv: [cleanup], effect: reads }\n', /targets\.web-1\.commands\.cleanup\.effect: Invalid option/],
    ['a shell string instead of argv', '      cleanup: { argv: ["rm -rf /var/tmp/*"], effect: changes }\n', /targets\.web-1\.commands\.cleanup\.argv: the first item is the program, not a command line/],
    ['an argv given as one string', '      cleanup: { argv: "cleanup --all", effect: changes }\n', /targets\.web-1\.commands\.cleanup\.argv: /],
    ['a timeout over 10 minutes', '      cleanup: { argv: [cleanup], effect: changes, timeout: 1h }\n', /targets\.web-1\.commands\.cleanup\.timeout: must be at most 10 minutes/],
    ['a timeout that is not a duration', '      cleanup: { argv: [cleanup], effect: changes, timeout: soon }\n', /targets\.web-1\.commands\.cleanup\.timeout: "soon" is not a duration/],
    ['a misspelt field', '      cleanup: { argv: [cleanup], effect: changes, timout: 5s }\n', /targets\.web-1\.commands\.cleanup: Unrecognized key: "timout"/],
    ['an environment variable name with a space', '      cleanup: { argv: [cleanup], effect: changes, env: { "MY VAR": x } }\n', /targets\.web-1\.commands\.cleanup\.env\.MY VAR: must be an environment variable name/],
    ['an action name with a shell character', '      "clean;up": { argv: [cleanup], effect: changes }\n', /targets\.web-1\.commands\.clean;up: must be an action name/],
  ];
  for (const [what, text, expected] of bad) {
    it(`rejects ${what}, naming the field`, () => {
      assert.throws(() => parseConfig(config(text), 'medic.yaml'), (err: Error) => {
        assert.match(err.message, expected);
        return true;
      });
    });
  }

  it('a route with a fixed target is refused when its playbook runs commands and the target has none', () => {
    const playbook = definePlaybook({
      name: 'command-config-test',
      description: 'runs a configured command (test only)',
      params: z.object({}),
      activities: ['command'],
      stopsOnResolve: true,
      async run(pb) {
        await pb.step('clean up', 'command', { with: { action: 'cleanup', effect: 'changes' } });
        return 'recovered';
      },
    });
    registerPlaybook(playbook as unknown as Playbook);
    const route = 'routes:\n  - name: disk\n    match: { alertname: DiskFilling }\n    playbook: command-config-test\n    target: web-1\n';
    assert.throws(
      () => parseConfig(`${route}targets:\n  web-1: { pool: web }\n`, 'medic.yaml'),
      /routes\.0\.target: route "disk": command-config-test on web-1 needs a commands section \(an action with argv and effect\) for command/,
    );
    parseConfig(`${route}${config('      cleanup: { argv: [cleanup], effect: changes }\n')}`, 'medic.yaml');
  });
});
