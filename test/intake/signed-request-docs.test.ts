import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startTestIntake } from '../helpers/intake.js';
import { closeTestTemporal, testTemporal, uniqueName } from '../helpers/temporal.js';

// docs/intake.md shows how to sign a request with openssl and curl. That example, run as written
// (only the intake's address changed), must be accepted: a wrong example is worse than none.

after(closeTestTemporal);

const run = promisify(execFile);
const SECRET = 'the-documented-example-secret';

/** The first sh block after the "Signed requests" heading of docs/intake.md. */
function documentedExample(): string {
  const doc = readFileSync(new URL('../../docs/intake.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('### Signed requests'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block !== undefined, 'docs/intake.md has a sh example under "Signed requests"');
  return block;
}

describe('signed requests as documented', () => {
  it('accepts the openssl and curl example of docs/intake.md, run as written', async (t) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    const intake = await startTestIntake({
      client,
      taskQueue: name,
      configYaml: `defaultRoute:\n  playbook: diagnose-and-escalate\n  target: ${name}\n  params: { ackTimeout: 1 hour }\n`,
      secrets: { hmacSecret: SECRET },
    });
    try {
      const script = documentedExample();
      assert.match(script, /http:\/\/localhost:8787/);
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script.replaceAll('http://localhost:8787', intake.url)], {
        env: { ...process.env, MEDIC_INTAKE_HMAC_SECRET: SECRET },
        timeout: 30_000,
      });
      const answer = JSON.parse(stdout) as { accepted?: number; results?: { outcome?: string }[] };
      assert.equal(answer.accepted, 1, stdout);
      assert.ok(['opened', 'deduplicated'].includes(answer.results?.[0]?.outcome ?? ''), stdout);
    } finally {
      await intake.close();
    }
  });
});
