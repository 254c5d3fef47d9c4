import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
// Only the kit's public exports, as a playbook repository imports them from 'medic/testkit'.
import { expectTimeline, FakeFleet, startTestEnvironment, TestKitError, type MedicTestEnvironment } from '../../src/testkit/index.js';
import { within } from '../helpers/deadline.js';

// The test kit's proof: shipped playbooks with their shipped defaults, long waits skipped on the
// virtual clock, scripted failures per target, asserted through the timeline matchers.

const MINUTE = 60_000;
const envs: MedicTestEnvironment[] = [];
after(async () => {
  await Promise.all(envs.map((env) => env.close()));
});

async function start(...args: Parameters<typeof startTestEnvironment>): Promise<MedicTestEnvironment> {
  const began = performance.now();
  const env = await startTestEnvironment(...args);
  envs.push(env);
  console.log(`testkit: environment started in ${Math.round(performance.now() - began)} ms (server, client, worker${envs.length === 1 ? ', workflow bundle' : '; bundle reused'})`);
  return env;
}

/** Wall time of `fn`, and how far the virtual clock moved meanwhile. */
async function timed(env: MedicTestEnvironment, fn: () => Promise<void>): Promise<{ wallMs: number; virtualMs: number }> {
  const [wall0, virtual0] = [performance.now(), (await env.now()).getTime()];
  await fn();
  return { wallMs: performance.now() - wall0, virtualMs: (await env.now()).getTime() - virtual0 };
}

describe('the test kit', () => {
  it('skips an unanswered approval of http-service-outage (shipped defaults) in well under a second, then escalates', async () => {
    const env = await start();
    const incident = await env.openIncident({ playbook: 'http-service-outage', target: 'web-1', params: { approveRestart: true } });
    assert.equal(await incident.waitForApproval(), 'restart web-1?');

    const tenMinutes = await timed(env, () => env.sleep('10 minutes'));
    const waiting = await incident.state();
    assert.equal(waiting.pendingApproval, 'restart web-1?', 'after 10 minutes the approval (default 15 minutes) is still open');

    const rest = await timed(env, async () => {
      await env.sleep('5 minutes');
      await incident.waitFor('escalation', (s) => s.awaitingAck);
    });
    const skipped = { wallMs: tenMinutes.wallMs + rest.wallMs, virtualMs: tenMinutes.virtualMs + rest.virtualMs };
    const ratio = skipped.virtualMs / skipped.wallMs;
    console.log(
      `testkit: 10-minute skip in ${tenMinutes.wallMs.toFixed(1)} ms; approval timeout (15 virtual minutes) reached and escalated in ${skipped.wallMs.toFixed(1)} ms of wall time: ${Math.round(ratio)}x`,
    );
    assert.ok(tenMinutes.virtualMs >= 10 * MINUTE, `the clock moved 10 minutes (${tenMinutes.virtualMs} ms)`);
    assert.ok(tenMinutes.wallMs < 1_000, `a 10-minute skip takes well under a second (${tenMinutes.wallMs.toFixed(1)} ms)`);
    assert.ok(skipped.wallMs < 1_000, `the 15 skipped minutes took well under a second (${skipped.wallMs.toFixed(1)} ms)`);
    assert.ok(ratio > 900, `virtual time ran at least 900x wall time (${Math.round(ratio)}x)`);

    // The rest (15-minute ack timeout, 24-hour hold) is skipped by awaiting the result.
    const wall0 = performance.now();
    const result = await incident.result();
    const resultWallMs = performance.now() - wall0;
    const requested = expectTimeline(result).toInclude('approval-requested');
    const timedOut = expectTimeline(result).toInclude('approval-timed-out');
    const virtualMs = Date.parse(result.timeline.at(-1)?.at ?? '') - Date.parse(result.timeline[0]?.at ?? '');
    console.log(`testkit: the whole incident, ${(virtualMs / 3_600_000).toFixed(2)} virtual hours, ended ${result.outcome}; awaiting its result took ${Math.round(resultWallMs)} ms`);

    expectTimeline(result).toHaveOutcome('escalated');
    expectTimeline(result).toIncludeInOrder('approval-requested', 'approval-timed-out', ['escalated', /nobody approved restarting web-1/], 'ack-timed-out');
    expectTimeline(result).toExclude('approved');
    const waitedMs = Date.parse(timedOut.at) - Date.parse(requested.at);
    assert.ok(waitedMs >= 15 * MINUTE && waitedMs < 15 * MINUTE + 1_000, `the shipped default approval timeout, 15 minutes, on the virtual clock (${waitedMs} ms)`);
    assert.deepEqual(env.fleet.callsTo('restart'), [], 'nothing was restarted without approval');
    assert.ok(env.fleet.isolated.has('web-1'), 'the backend stays out of rotation');
    assert.deepEqual(env.fleet.callsTo('escalate').map((c) => c.event), ['trigger', 'resolve'], 'a page, closed when the incident closed');
  });

  it('keeps skipping time when a result is awaited while the clock is being advanced, and after', async () => {
    const env = await start();
    // Both change the server's clock lock: an advance out while a result unlocks the clock (or
    // the other way round) used to leave the lock count one too high for good.
    for (let i = 0; i < 5; i++) {
      const incident = await env.openIncident({ playbook: 'diagnose-and-escalate', target: `web-${i}` });
      const [, result] = await within(Promise.all([env.sleep(`${i + 1} minutes`), incident.result()]), 30_000, 'an advance and a result at once');
      expectTimeline(result).toHaveOutcome('escalated');
    }
    const after = await timed(env, () => within(env.sleep('10 minutes'), 10_000, 'a 10-minute advance afterwards'));
    assert.ok(after.virtualMs >= 10 * MINUTE, `the clock moved 10 minutes afterwards (${after.virtualMs} ms)`);
    assert.ok(after.wallMs < 1_000, `in well under a second, so the clock is not held (${after.wallMs.toFixed(1)} ms)`);
  });

  it('follows scripted failures per target: a rollback where verify keeps failing, a failed run where restart cannot work', async () => {
    const fleet = new FakeFleet()
      .script('verify', ['unhealthy'], { target: 'web-2' })
      .script('restart', [{ fatal: 'systemctl: unit web-3.service not found' }], { target: 'web-3' });
    const env = await start({ fleet });
    const [healthy, unhealthy, broken] = await Promise.all(
      ['web-1', 'web-2', 'web-3'].map((target) => env.openIncident({ playbook: 'http-service-outage', target })),
    );
    const [recovered, escalated, failed] = await Promise.all([healthy, unhealthy, broken].map((i) => i!.result()));

    expectTimeline(recovered!).toHaveOutcome('recovered');
    expectTimeline(recovered!).toExclude('step-started', /roll back/);

    expectTimeline(escalated!).toHaveOutcome('escalated');
    expectTimeline(escalated!).toIncludeInOrder(['step-started', 'roll back web-2'], ['escalated', /still unhealthy after a restart and a rollback/]);
    assert.equal(fleet.callsTo('rollback', 'web-2').length, 1);
    assert.ok(fleet.isolated.has('web-2'), 'a backend that never verified healthy stays out of rotation');

    expectTimeline(failed!).toHaveOutcome('failed');
    expectTimeline(failed!).toInclude('step-failed', 'unit web-3.service not found');
    assert.equal(fleet.callsTo('restart', 'web-3').length, 1, 'a non-retryable failure is not retried');
    assert.deepEqual(fleet.callsTo('rollback', 'web-1'), [], 'web-1 followed the general script: no rollback');
  });

  it('refuses a misspelt playbook parameter or duration before anything runs, naming it', async () => {
    const env = envs[0] ?? (await start());
    await assert.rejects(
      env.openIncident({ playbook: 'http-service-outage', target: 'web-9', params: { approvalTimout: '10 minutes' } }),
      (err: unknown) => err instanceof TestKitError && /"approvalTimout"/.test(err.message) && err.message.includes('To fix'),
    );
    await assert.rejects(env.sleep('10 minuets'), (err: unknown) => err instanceof TestKitError && err.message.includes('"10 minuets" is not a duration'));
    assert.deepEqual(env.fleet.callsTo('isolate', 'web-9'), [], 'no incident was opened');
  });
});
