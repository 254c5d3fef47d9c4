import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FailureType } from '../../activities/contract.js';
import { activityFailure, driverActivities, runActivity, stepInput, testConfig } from '../helpers/driver-activities.js';
import { Pm2Fleet, PM2_ARGV, PM2_BIN } from '../helpers/pm2-fleet.js';
import { freePort } from '../helpers/ports.js';
import { makeReleaseTree, type ReleaseTree } from '../helpers/release-tree.js';

const get = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(3_000) });
  return { status: res.status, body: await res.text() };
};

describe('restart, verify, diagnose and rollback of a real process under PM2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'medic-pm2-'));
  let fleet: Pm2Fleet;
  let tree: ReleaseTree;
  let port: number;
  let cliPort: number;
  let activities: ReturnType<typeof driverActivities>;
  const base = () => `http://127.0.0.1:${port}`;

  before(async () => {
    [port, cliPort] = [await freePort(), await freePort()];
    tree = makeReleaseTree(join(dir, 'web'), ['v1', 'v2'], 'v2');
    const oldest = makeReleaseTree(join(dir, 'old'), ['v1', 'v2'], 'v1');
    fleet = await Pm2Fleet.start(join(dir, 'pm2'));
    await fleet.startApp({ name: 'web-1', script: tree.script, env: { PORT: String(port), BACKEND_NAME: 'web-1' } });
    await fleet.startApp({ name: 'web-cli', script: tree.script, env: { PORT: String(cliPort), BACKEND_NAME: 'web-cli' } });
    const pm2 = { manager: 'pm2', name: 'web-1', pm2: PM2_ARGV, pm2Home: fleet.home, listen: { port }, restartTimeout: '20s' };
    activities = driverActivities(
      testConfig({
        targets: {
          'web-1': {
            process: pm2,
            verify: { deadline: '2s', checks: [{ type: 'http', url: `${base()}/healthz`, bodyMatch: '^ok', successes: 3, interval: '200ms' }, { type: 'tcp', port }] },
            release: { releasesDir: tree.releasesDir, currentLink: tree.currentLink },
            diagnose: { logLines: 5, debugUrl: `${base()}/debug`, cpuSample: '200ms' },
          },
          // The `command` driver with a supervisor's own CLI: PM2's, given as argv.
          'web-cli': {
            process: {
              manager: 'command',
              restart: [process.execPath, PM2_BIN, 'restart', 'web-cli'],
              pid: { command: [process.execPath, PM2_BIN, 'pid', 'web-cli'] },
              env: { PM2_HOME: fleet.home },
              listen: { port: cliPort },
              restartTimeout: '20s',
            },
          },
          'web-oldest': { release: { releasesDir: oldest.releasesDir, currentLink: oldest.currentLink } },
          'web-lost': { process: { ...pm2, name: 'no-such-app' } },
          'web-nodaemon': { process: { ...pm2, pm2Home: join(dir, 'nobody') } },
        },
      }),
    );
    await runActivity(activities.verify, stepInput('web-1')); // both apps are up before the tests start
  });

  after(async () => {
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a process made unhealthy is seen unhealthy, restarted (new PID, port listening) and verified healthy', async () => {
    assert.equal((await get(`${base()}/break`, { method: 'POST' })).status, 200);
    const sick = await runActivity(activities.verify, stepInput('web-1'));
    assert.equal(sick.result.healthy, false);
    assert.match(sick.result.summary, /healthz: HTTP 500 \(expected 200\)/);

    const before = await fleet.pid('web-1');
    const restarted = await runActivity(activities.restart, stepInput('web-1'));
    const after = await fleet.pid('web-1');
    assert.notEqual(after, before);
    assert.equal(restarted.result.data?.['oldPid'], before);
    assert.equal(restarted.result.data?.['newPid'], after);
    assert.match(restarted.result.summary, new RegExp(`^pm2 process web-1 restarted: PID ${before} -> ${after}, listening on 127.0.0.1:${port}`));

    const healthy = await runActivity(activities.verify, stepInput('web-1'));
    assert.equal(healthy.result.healthy, true, healthy.result.summary);
    assert.match(healthy.result.summary, /3\/3 consecutive successes; tcp 127\.0\.0\.1:\d+: accepting connections/);
  });

  it('restarting twice in a row leaves one healthy process', async () => {
    await runActivity(activities.restart, stepInput('web-1'));
    const second = await runActivity(activities.restart, stepInput('web-1'));
    assert.equal(second.result.data?.['newPid'], await fleet.pid('web-1'));
    assert.equal((await runActivity(activities.verify, stepInput('web-1'))).result.healthy, true);
  });

  it('diagnose captures CPU, memory, open files, the last log lines and the debug endpoint, capped', async () => {
    await get(`${base()}/break`, { method: 'POST' });
    await get(`${base()}/healthz`);
    const { result } = await runActivity(activities.diagnose, stepInput('web-1'));
    const proc = result.data?.['process'] as Record<string, unknown>;
    assert.equal(proc['running'], true);
    assert.equal(proc['pid'], await fleet.pid('web-1'));
    assert.equal(typeof proc['cpuPercent'], 'number');
    assert.ok(Number(proc['rssBytes']) > 1_000_000, 'a node process uses more than 1 MB');
    assert.ok(Number(proc['openFiles']) > 0);
    const logs = result.data?.['log'] as { source: string; lines: string[] }[];
    const out = logs.find((l) => l.source.endsWith('web-1-out.log'));
    assert.ok(out !== undefined && out.lines.length <= 5);
    assert.match(out.lines.at(-1) ?? '', /GET \/healthz 500$/);
    const debug = result.data?.['debug'] as { status: number; body: string };
    assert.equal(debug.status, 200);
    assert.equal(JSON.parse(debug.body).broken, true);
    assert.ok(Number(result.data?.['bytes']) <= 16_384);
    assert.match(result.summary, /^evidence from web-1: PID \d+: cpu [\d.]+%, rss \d+ MiB, \d+ open files; last \d+ log lines; debug endpoint HTTP 200$/);
    await runActivity(activities.restart, stepInput('web-1'));
  });

  it('rollback switches the release, and after a restart the process serves the old version', async () => {
    assert.match((await get(base())).body, /^hello from web-1 v2 /);
    const first = await runActivity(activities.rollback, stepInput('web-1'));
    assert.equal(first.result.fromVersion, 'v2');
    assert.equal(first.result.toVersion, 'v1');
    assert.match(first.result.summary, /^rolled web-1 back: v2 -> v1/);
    assert.equal(readlinkSync(tree.currentLink), join('releases', 'v1'));

    const again = await runActivity(activities.rollback, stepInput('web-1'));
    assert.deepEqual([again.result.fromVersion, again.result.toVersion], ['v2', 'v1'], 'a retried rollback does not go back further');
    assert.equal(again.result.data?.['alreadyDone'], true);

    await runActivity(activities.restart, stepInput('web-1'));
    assert.match((await get(base())).body, /^hello from web-1 v1 /);
  });

  it('rollforward (the undo of rollback) switches back and restarts, twice without error', async () => {
    const first = await runActivity(activities.rollforward, stepInput('web-1', { version: 'v2' }));
    assert.match(first.result.summary, /^rolled web-1 forward: v1 -> v2; pm2 process web-1 restarted/);
    assert.match((await get(base())).body, /^hello from web-1 v2 /);
    const second = await runActivity(activities.rollforward, stepInput('web-1', { version: 'v2' }));
    assert.match(second.result.summary, /v2 -> v2 \(already there\)/);
    assert.equal(existsSync(`${tree.currentLink}.medic-rollback.json`), false, 'the rollback marker is cleared');
  });

  it('the command driver restarts with argv from the configuration and waits for a new PID', async () => {
    const before = await fleet.pid('web-cli');
    const { result } = await runActivity(activities.restart, stepInput('web-cli'));
    assert.equal(result.data?.['oldPid'], before);
    assert.notEqual(result.data?.['newPid'], before);
    assert.equal(result.data?.['newPid'], await fleet.pid('web-cli'));
    assert.equal((await get(`http://127.0.0.1:${cliPort}/healthz`)).status, 200);
  });

  it('refuses to roll back past the oldest release', async () => {
    const failure = await activityFailure(activities.rollback, stepInput('web-oldest'));
    assert.equal(failure.type, FailureType.Refused);
    assert.match(failure.message, /v1 is the oldest release/);
  });

  it('rollforward accepts only a release folder name, never a path', async () => {
    const failure = await activityFailure(activities.rollforward, stepInput('web-1', { version: '../../etc' }));
    assert.equal(failure.type, FailureType.Misconfiguration);
    assert.equal(failure.nonRetryable, true);
  });

  it('fails non-retryably when PM2 has no process of that name, and retryably when no daemon runs', async () => {
    const lost = await activityFailure(activities.restart, stepInput('web-lost'));
    assert.equal(lost.type, FailureType.Misconfiguration);
    assert.match(lost.message, /has no process named "no-such-app"/);
    const noDaemon = await activityFailure(activities.restart, stepInput('web-nodaemon'));
    assert.equal(noDaemon.type, FailureType.TargetUnavailable);
    assert.equal(noDaemon.nonRetryable, false);
  });
});
