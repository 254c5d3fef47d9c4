import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { FailureType, type CommandInput, type CommandOutput } from '../../activities/contract.js';
import { TAIL_BYTES, TAIL_LINES } from '../../activities/command/output-tail.js';
import { activityFailure, driverActivities, runActivity, testConfig } from '../helpers/driver-activities.js';
import { INJECTION_STRINGS } from '../helpers/hostile-inputs.js';

// The `command` driver against real processes: what it runs comes from the configuration only,
// its output is capped, and a timeout or an abort leaves nothing of it running.

const RECORDER = fileURLToPath(new URL('../fixtures/argv-recorder.cjs', import.meta.url));
const node = process.execPath;
const dir = mkdtempSync(join(tmpdir(), 'medic-command-'));
const argvLog = join(dir, 'argv.jsonl');
const childPidFile = join(dir, 'child.pid');

/** A script that starts a child in its own process group (as a shell script's pipeline would), records its PID, then hangs. */
const SPAWNS_AND_HANGS = `
const { spawn } = require('node:child_process');
const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
require('node:fs').writeFileSync(${JSON.stringify(childPidFile)}, String(child.pid));
console.log('started ' + child.pid);
setInterval(() => {}, 1000);
`;

const config = testConfig({
  targets: {
    'web-1': {
      commands: {
        hello: { argv: [node, '-e', 'console.log("line one"); console.error("a warning"); console.log(process.env.GREETING + " from " + process.cwd())'], effect: 'read-only', env: { GREETING: 'hi' }, cwd: dir },
        secret: { argv: [node, '-e', 'console.log([...(process.env.TOKEN ?? "")].reverse().join("") === "terc3s" ? "token ok" : "token missing"); console.log(Object.keys(process.env).filter((k) => /^(MEDIC|TEMPORAL)_/.test(k)).join(",") || "no medic vars")'], effect: 'read-only', env: { TOKEN: { env: 'COMMAND_TEST_TOKEN' } } },
        unset: { argv: [node, '-e', '0'], effect: 'read-only', env: { TOKEN: { env: 'COMMAND_TEST_UNSET_VARIABLE' } } },
        fails: { argv: [node, '-e', 'console.log("cleaning"); console.error("rm: /var/tmp/x: Permission denied"); process.exit(3)'], effect: 'changes' },
        'fails-retryable': { argv: [node, '-e', 'process.exit(75)'], effect: 'changes', retryable: true },
        hangs: { argv: [node, '-e', SPAWNS_AND_HANGS], effect: 'changes', timeout: '700ms' },
        chatty: { argv: [node, '-e', 'for (let i = 1; i <= 5000; i++) console.log("line " + i + " " + "x".repeat(60))'], effect: 'read-only' },
        record: { argv: [node, RECORDER, 'cleanup', '--older-than', '7d'], effect: 'changes', env: { ARGV_LOG: argvLog } },
        missing: { argv: ['/nonexistent/medic-cleanup'], effect: 'changes' },
      },
    },
  },
});
const activities = driverActivities(config);
const call = (action: string, effect: CommandInput['effect'], params: CommandInput['params'] = {}): CommandInput => ({ incidentId: 'incident-command-test', target: 'web-1', params, action, effect });

/** Running: not gone and not a zombie (a killed orphan waits as a zombie until its reaper gets to it). */
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
};

async function eventuallyDead(pid: number): Promise<boolean> {
  for (let i = 0; i < 20 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

after(() => rmSync(dir, { recursive: true, force: true }));

describe('the command driver, with real processes', () => {
  it('runs the configured argv with its env and cwd, and puts the exit code and the last lines into the output', async () => {
    const { result } = await runActivity<CommandInput, CommandOutput>(activities.command, call('hello', 'read-only'));
    assert.equal(result.exitCode, 0);
    assert.match(result.summary, /^hello on web-1: exit 0 in \d+\.\d s: hi from /);
    const data = result.data ?? {};
    assert.equal(data['stdout'], `line one\nhi from ${realpathSync(dir)}`);
    assert.equal(data['stderr'], 'a warning');
    assert.equal(data['cwd'], dir);
    assert.deepEqual(data['argv'], config.targets['web-1']?.commands?.['hello']?.argv);
    assert.deepEqual(data['env'], { GREETING: '<redacted: an inline value>' }, 'env values are never in the output');
    assert.equal(data['truncated'], false);
  });

  it('resolves env secrets when it runs, never shows them, and keeps medic and Temporal settings from the command', async () => {
    process.env['COMMAND_TEST_TOKEN'] = 's3cret';
    process.env['MEDIC_INTAKE_TOKEN_FOR_TEST'] = 'leak';
    try {
      const { result } = await runActivity<CommandInput, CommandOutput>(activities.command, call('secret', 'read-only'));
      assert.equal(result.data?.['stdout'], 'token ok\nno medic vars');
      assert.doesNotMatch(JSON.stringify(result), /s3cret/);
      assert.deepEqual(result.data?.['env'], { TOKEN: '<redacted: environment variable COMMAND_TEST_TOKEN>' });
    } finally {
      delete process.env['COMMAND_TEST_TOKEN'];
      delete process.env['MEDIC_INTAKE_TOKEN_FOR_TEST'];
    }
    const failure = await activityFailure(activities.command, call('unset', 'read-only'));
    assert.equal(failure.type, FailureType.Misconfiguration);
    assert.match(failure.message, /targets\.web-1\.commands\.unset\.env\.TOKEN: environment variable COMMAND_TEST_UNSET_VARIABLE is not set/);
  });

  it('a non-zero exit fails the step, not retried by default, with the exit code and the last lines of stderr', async () => {
    const failure = await activityFailure(activities.command, call('fails', 'changes'));
    assert.equal(failure.type, FailureType.CommandFailed);
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /^fails on web-1 exited with code 3 after \d+\.\d s; stderr: rm: \/var\/tmp\/x: Permission denied$/);
    const retryable = await activityFailure(activities.command, call('fails-retryable', 'changes'));
    assert.equal(retryable.nonRetryable, false, 'retryable: true in the configuration makes the failure retryable');
    assert.match(retryable.message, /exited with code 75 .*; no output$/);
  });

  it('a timeout kills the whole process group, the children it started too', async () => {
    const started = Date.now();
    const failure = await activityFailure(activities.command, call('hangs', 'changes'));
    assert.ok(Date.now() - started < 3_000, `gave up after ${Date.now() - started} ms (timeout 700ms)`);
    assert.equal(failure.type, FailureType.CommandFailed);
    assert.match(failure.message, /^hangs on web-1 did not finish within 0\.7 s and its process group was killed; stdout: started \d+\. To fix: /);
    const child = Number(readFileSync(childPidFile, 'utf8'));
    assert.ok(await eventuallyDead(child), `the command's child ${child} was killed with it`);
  });

  it('an abort of the step kills the whole process group at once', async () => {
    rmSync(childPidFile, { force: true });
    const env = new MockActivityEnvironment({ activityType: 'command' }, { logger: new DefaultLogger('ERROR') });
    const running = env.run(activities.command, { ...call('hangs', 'changes') });
    for (let i = 0; i < 40 && !existsSync(childPidFile); i++) await new Promise((r) => setTimeout(r, 25));
    const child = Number(readFileSync(childPidFile, 'utf8'));
    env.cancel();
    await assert.rejects(running, (err: unknown) => err instanceof CancelledFailure || (err as Error).name === 'AbortError');
    assert.ok(await eventuallyDead(child), `the command's child ${child} was killed by the abort`);
  });

  it(`caps the output at the last ${TAIL_LINES} lines and ${TAIL_BYTES} bytes of each stream, and says it did`, async () => {
    const { result } = await runActivity<CommandInput, CommandOutput>(activities.command, call('chatty', 'read-only'));
    const stdout = String(result.data?.['stdout']);
    assert.ok(Buffer.byteLength(stdout) <= TAIL_BYTES, `${Buffer.byteLength(stdout)} bytes`);
    assert.ok(stdout.split('\n').length <= TAIL_LINES, `${stdout.split('\n').length} lines`);
    assert.ok(stdout.startsWith('...'), 'the cut is marked');
    assert.ok(stdout.endsWith(`line 5000 ${'x'.repeat(60)}`), 'the last line printed is kept');
    assert.equal(result.data?.['truncated'], true);
    assert.ok(Number(result.data?.['stdoutBytes']) > 300_000, 'the total size is reported');
    assert.ok(Buffer.byteLength(JSON.stringify(result)) < 3 * TAIL_BYTES, 'the whole output stays small');
  });

  it('alert text never reaches the argv: only the configured argv runs, whatever the call carries', async () => {
    rmSync(argvLog, { force: true });
    const hostile = Object.fromEntries(INJECTION_STRINGS.map((v, i) => [`label${i}`, v]));
    await runActivity(activities.command, call('record', 'changes', hostile));
    assert.deepEqual(readFileSync(argvLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]), [['cleanup', '--older-than', '7d']]);
    // An action name is looked up, never run: one that is not configured (or inherited from Object) runs nothing.
    for (const action of ['record; rm -rf /', '__proto__', 'constructor', '$(id)']) {
      const failure = await activityFailure(activities.command, call(action, 'changes'));
      assert.equal(failure.type, FailureType.Misconfiguration);
      assert.ok(failure.message.includes(`has no command "${action}" (its commands: hello, secret`), failure.message);
    }
    assert.equal(readFileSync(argvLog, 'utf8').trim().split('\n').length, 1, 'nothing else ran');
  });

  it('refuses, naming both, when the effect the playbook states differs from the configured one', async () => {
    rmSync(argvLog, { force: true });
    const failure = await activityFailure(activities.command, call('record', 'read-only'));
    assert.equal(failure.type, FailureType.Misconfiguration);
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /refused to run "record" on web-1: the playbook states its effect is "read-only", targets\.web-1\.commands\.record\.effect says "changes"\. To fix:/);
    const unstated = await activityFailure(activities.command, { ...call('record', 'changes'), effect: undefined as unknown as 'changes' });
    assert.match(unstated.message, /the playbook states its effect is null/);
    assert.ok(!existsSync(argvLog), 'nothing ran');
  });

  it('a program that does not exist is a misconfiguration, not retried', async () => {
    const failure = await activityFailure(activities.command, call('missing', 'changes'));
    assert.equal(failure.type, FailureType.Misconfiguration);
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /cannot run \/nonexistent\/medic-cleanup \(targets\.web-1\.commands\.missing\.argv\): no such program\. To fix:/);
  });
});
