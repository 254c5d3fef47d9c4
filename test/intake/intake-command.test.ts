import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { incidentWorkflowId } from '../../workflows/definitions.js';
import { freePort, runMedic, startMedic, type LongRunning } from '../helpers/processes.js';
import { closeTestTemporal, testTemporal, uniqueName } from '../helpers/temporal.js';

// `medic intake` and `medic signal --intake` as a user runs them.

const dir = mkdtempSync(join(tmpdir(), 'medic-intake-cli-'));
let running: LongRunning | undefined;

after(async () => {
  await running?.stop(10_000);
  rmSync(dir, { recursive: true, force: true });
  await closeTestTemporal();
});

function configFile(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

const GOOD = `
defaultRoute:
  playbook: diagnose-and-escalate
  targetFromLabel: service
`;

/** The environment of a user with a token and an HMAC secret, pointing at the test server. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '',
    MEDIC_CONFIG: configFile('good.yaml', GOOD),
    MEDIC_INTAKE_TOKEN: '',
    MEDIC_INTAKE_HMAC_SECRET: '',
    MEDIC_LOG_LEVEL: 'info',
    MEDIC_STATE_DIR: join(dir, 'state'),
    ...extra,
  };
}

describe('medic intake', () => {
  it('refuses to start on a configuration with a bad route, naming the field', async () => {
    const bad = configFile('bad.yaml', 'routes:\n  - name: broken\n    matchRegex: { service: "(" }\n    playbook: diagnose-and-escalate\n    target: x\n');
    const res = await runMedic(['intake', '--port', String(await freePort())], userEnv({ MEDIC_CONFIG: bad, MEDIC_INTAKE_TOKEN: 't', MEDIC_INTAKE_HMAC_SECRET: 'h' }));
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /routes\.0\.matchRegex\.service: is not a valid regular expression/);
    assert.equal(res.stderr.trim().split('\n').length, 2, 'the file, then the one bad field');
  });

  it('refuses to accept unauthenticated signals beyond loopback unless told to', async () => {
    const res = await runMedic(['intake', '--host', '0.0.0.0', '--port', String(await freePort())], userEnv());
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /refusing to accept unauthenticated signals on 0\.0\.0\.0\. To fix: set MEDIC_INTAKE_TOKEN/);
  });

  it('serves signals sent with medic signal --intake, logs the auth of each endpoint, and stops cleanly on Ctrl-C', async (t) => {
    const name = uniqueName(t.name);
    const port = await freePort();
    const env = userEnv({ MEDIC_INTAKE_TOKEN: `token-${name}`, MEDIC_INTAKE_HMAC_SECRET: `hmac-${name}`, MEDIC_TASK_QUEUE: name });
    running = startMedic(['intake', '--port', String(port)], env);
    await running.waitFor(/intake ready/, 60_000);
    assert.match(running.output, /"endpoint":"\/v1\/signals\/alertmanager","auth":"bearer token \(MEDIC_INTAKE_TOKEN\)"/);
    assert.match(running.output, /"endpoint":"\/v1\/signals","auth":"HMAC-SHA256 signature of timestamp and body \(MEDIC_INTAKE_HMAC_SECRET\)"/);
    assert.match(running.output, /"host":"0\.0\.0\.0"/, 'with every endpoint authenticated it listens on all interfaces');
    assert.doesNotMatch(running.output, new RegExp(`token-${name}|hmac-${name}`), 'secrets never reach the log');

    const fingerprint = `${name}-cli`;
    const url = `http://127.0.0.1:${port}`;
    const sent = await runMedic(['signal', '--intake', url, '--alertname', 'DiskFull', '--service', 'billing', '--fingerprint', fingerprint], env);
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(sent.stdout.trim(), `opened ${incidentWorkflowId(fingerprint)}`);
    const { client } = await testTemporal();
    const described = await client.workflow.getHandle(incidentWorkflowId(fingerprint)).describe();
    assert.equal(described.taskQueue, name, 'the intake starts incidents on MEDIC_TASK_QUEUE');

    const unsigned = await runMedic(['signal', '--intake', url, '--alertname', 'DiskFull', '--service', 'billing'], { ...env, MEDIC_INTAKE_HMAC_SECRET: 'wrong' });
    assert.equal(unsigned.code, 1);
    assert.match(unsigned.stderr, /intake answered 401: x-medic-signature does not match the body/);
    const invalid = await runMedic(['signal', '--intake', url, '--alertname', 'DiskFull'], env);
    assert.equal(invalid.code, 2, 'input the intake refuses is a usage error');
    assert.match(invalid.stderr, /intake answered 400: .*service/);

    assert.equal(await running.stop(10_000), 0, 'Ctrl-C stops the intake cleanly');
    assert.match(running.output, /intake stopping/);
    running = undefined;
  });
});
