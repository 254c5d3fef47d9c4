import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { FailureType } from '../../activities/contract.js';
import { activityFailure, driverActivities, runActivity, stepInput, testConfig } from '../helpers/driver-activities.js';
import { startHaproxy, type RunningHaproxy } from '../helpers/haproxy.js';
import { sendRequests, startCountingBackend, type CountingBackend } from '../helpers/http-backends.js';

describe('HAProxy isolate and rejoin through the runtime API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'medic-haproxy-'));
  let backends: CountingBackend[] = [];
  let haproxy: RunningHaproxy;
  let activities: ReturnType<typeof driverActivities>;

  const hitsOf = (name: string, answered: string[]) => answered.filter((b) => b === name).length;

  before(async () => {
    backends = await Promise.all(['a', 'b', 'c'].map((n) => startCountingBackend(n)));
    haproxy = await startHaproxy(dir, backends.map((b) => ({ name: b.name, port: b.port })));
    const viaSocket = { socket: haproxy.socket };
    const viaTcp = { host: '127.0.0.1', port: haproxy.apiPort };
    activities = driverActivities(
      testConfig({
        targets: {
          'app-a': { haproxy: { runtimeApi: viaSocket, backend: 'app', server: 'a', drainTimeout: '5s' } },
          'app-b': { haproxy: { runtimeApi: viaTcp, backend: 'app', server: 'b', isolateAs: 'maint' } },
          'app-c': { haproxy: { runtimeApi: viaSocket, backend: 'app', server: 'c' } },
          'app-a-quick': { haproxy: { runtimeApi: viaSocket, backend: 'app', server: 'a', drainTimeout: '300ms' } },
          'app-typo': { haproxy: { runtimeApi: viaSocket, backend: 'app', server: 'zz' } },
          'app-nosocket': { haproxy: { runtimeApi: { socket: join(dir, 'missing.sock') }, backend: 'app', server: 'a' } },
        },
      }),
    );
  });

  after(async () => {
    await haproxy?.stop();
    await Promise.all(backends.map((b) => b.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('isolate takes a server out of rotation (requests stop reaching it), twice in a row without error', async () => {
    const first = await runActivity(activities.isolate, stepInput('app-a'));
    assert.match(first.result.summary, /^app\/a is in drain \(DRAIN\): no sessions left$/);
    const second = await runActivity(activities.isolate, stepInput('app-a'));
    assert.match(second.result.summary, /as it already was/);
    assert.equal(second.result.data?.['alreadyIsolated'], true);

    const answered = await sendRequests(haproxy.url, 30);
    assert.equal(hitsOf('a', answered), 0, 'no request reaches the isolated server');
    assert.equal(hitsOf('b', answered) + hitsOf('c', answered), 30);
  });

  it('rejoin puts the server back in rotation, twice in a row without error', async () => {
    const first = await runActivity(activities.rejoin, stepInput('app-a'));
    assert.match(first.result.summary, /^app\/a is back in rotation \(no check\)$/);
    const second = await runActivity(activities.rejoin, stepInput('app-a'));
    assert.match(second.result.summary, /as it already was/);

    const answered = await sendRequests(haproxy.url, 30);
    assert.equal(hitsOf('a', answered), 10, 'round robin sends a third of the requests to it again');
  });

  it('isolates in maint mode over the TCP runtime API and confirms by reading the state back', async () => {
    const isolated = await runActivity(activities.isolate, stepInput('app-b'));
    assert.match(isolated.result.summary, /^app\/b is in maint \(MAINT\)/);
    assert.equal(hitsOf('b', await sendRequests(haproxy.url, 20)), 0);
    await runActivity(activities.rejoin, stepInput('app-b'));
    assert.ok(hitsOf('b', await sendRequests(haproxy.url, 30)) > 0);
  });

  it('isolate waits for the open sessions of the server to finish, heartbeating meanwhile', async () => {
    const slow = fetch(`${haproxy.url}/slow/1500`, { headers: { 'x-server': 'a' }, signal: AbortSignal.timeout(5_000) });
    await new Promise((r) => setTimeout(r, 200)); // let the request reach the server
    const { result, heartbeats } = await runActivity(activities.isolate, stepInput('app-a'));
    assert.equal((await slow).headers.get('x-backend'), 'a', 'the open request finished on the drained server');
    assert.equal(result.data?.['sessionsLeft'], 0);
    assert.ok(Number(result.data?.['waitedMs']) >= 1_000, `waited ${String(result.data?.['waitedMs'])} ms for the session`);
    assert.ok(heartbeats.length >= 3, 'it heartbeats while it waits');
    await runActivity(activities.rejoin, stepInput('app-a'));
  });

  it('isolate goes on after the drain timeout and says how many sessions are still open', async () => {
    const slow = fetch(`${haproxy.url}/slow/2000`, { headers: { 'x-server': 'a' }, signal: AbortSignal.timeout(5_000) });
    await new Promise((r) => setTimeout(r, 200));
    const { result } = await runActivity(activities.isolate, stepInput('app-a-quick'));
    assert.equal(result.data?.['sessionsLeft'], 1);
    assert.match(result.summary, /1 session\(s\) still open after the 300 ms drain timeout/);
    await slow;
    await runActivity(activities.rejoin, stepInput('app-a'));
  });

  it('an isolate waiting for open sessions stops within a second when the step is cancelled', async () => {
    const slow = fetch(`${haproxy.url}/slow/2500`, { headers: { 'x-server': 'a' }, signal: AbortSignal.timeout(5_000) });
    await new Promise((r) => setTimeout(r, 200));
    const env = new MockActivityEnvironment({ activityType: 'isolate' }, { logger: new DefaultLogger('ERROR') });
    const running = env.run(activities.isolate, stepInput('app-a'));
    await new Promise((r) => setTimeout(r, 300));
    const cancelledAt = Date.now();
    env.cancel();
    await assert.rejects(running, (err: unknown) => err instanceof CancelledFailure);
    assert.ok(Date.now() - cancelledAt < 1_000, `stopped ${Date.now() - cancelledAt} ms after the cancellation`);
    await slow;
    await runActivity(activities.rejoin, stepInput('app-a'));
  });

  it('refuses to isolate the last serving server of a backend, non-retryably', async () => {
    await runActivity(activities.isolate, stepInput('app-a'));
    await runActivity(activities.isolate, stepInput('app-b'));
    const failure = await activityFailure(activities.isolate, stepInput('app-c'));
    assert.equal(failure.type, FailureType.Refused);
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /only 0 other server\(s\) of backend app are serving/);
    assert.equal(hitsOf('c', await sendRequests(haproxy.url, 5)), 5, 'the last server still serves');
    await runActivity(activities.rejoin, stepInput('app-a'));
    await runActivity(activities.rejoin, stepInput('app-b'));
  });

  it('fails non-retryably, naming the servers HAProxy has, when the server name is wrong', async () => {
    const failure = await activityFailure(activities.isolate, stepInput('app-typo'));
    assert.equal(failure.type, FailureType.Misconfiguration);
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /has no server app\/zz \(backend app has: a, b, c\)\. To fix:/);
  });

  it('fails non-retryably when the runtime API socket does not exist', async () => {
    const failure = await activityFailure(activities.rejoin, stepInput('app-nosocket'));
    assert.equal(failure.type, FailureType.Misconfiguration);
    assert.match(failure.message, /no such socket\. To fix: point haproxy\.runtimeApi/);
  });

  it('fails non-retryably for a target that is not in the inventory', async () => {
    const failure = await activityFailure(activities.isolate, stepInput('nobody'));
    assert.equal(failure.type, FailureType.UnknownTarget);
  });
});
