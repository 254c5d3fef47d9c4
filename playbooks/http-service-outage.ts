import type { Playbook, PlaybookContext } from '../workflows/runtime/playbook-api.js';
import { RETRY } from '../workflows/runtime/retry-profiles.js';
import { durationParam } from './params.js';

// isolate -> diagnose -> restart -> verify -> rejoin
// verify failed: roll back -> restart -> verify -> rejoin
// still failing: escalate and wait for a human (the backend stays out of rotation).
// Parameters (from the route): approveRestart (ask a human before restarting), approvalTimeout, ackTimeout.

const ISOLATE_TIMEOUT = '2 minutes'; // draining can take a while; the driver heartbeats
const RESTART_TIMEOUT = '3 minutes';
const VERIFY_TIMEOUT = '2 minutes';
const WAITING_HEARTBEAT = '30 seconds';
const DEFAULT_ACK_TIMEOUT = '15 minutes';
const DEFAULT_APPROVAL_TIMEOUT = '15 minutes';

const dryOk = { summary: 'dry run' };

async function restart(pb: PlaybookContext, why: string): Promise<void> {
  await pb.step({
    name: `restart ${pb.target} (${why})`,
    activity: 'restart',
    retry: RETRY.careful,
    timeout: RESTART_TIMEOUT,
    heartbeatTimeout: WAITING_HEARTBEAT,
    dryRunResult: dryOk,
  });
}

async function isHealthy(pb: PlaybookContext, after: string): Promise<boolean> {
  const result = await pb.step({
    name: `verify ${pb.target} after ${after}`,
    activity: 'verify',
    retry: RETRY.quick,
    timeout: VERIFY_TIMEOUT,
    heartbeatTimeout: WAITING_HEARTBEAT,
    dryRunResult: { summary: 'dry run: assumed healthy', healthy: true },
  });
  if (!result.healthy) pb.note(`${pb.target} is still unhealthy after ${after}: ${result.summary}`);
  return result.healthy;
}

async function rejoin(pb: PlaybookContext): Promise<void> {
  await pb.step({
    name: `rejoin ${pb.target}`,
    activity: 'rejoin',
    retry: RETRY.careful,
    timeout: ISOLATE_TIMEOUT,
    heartbeatTimeout: WAITING_HEARTBEAT,
    dryRunResult: dryOk,
  });
}

export const httpServiceOutage: Playbook = {
  name: 'http-service-outage',
  description: 'Take a failing HTTP backend out of rotation, restart it, roll back if that does not help, else escalate.',
  // Isolating the backend often clears the alert by itself: that is not a recovery.
  stopsOnResolve: false,
  // A second alert on a backend this playbook is already recovering must not restart it again.
  targetPolicy: 'join',

  async run(pb) {
    await pb.step({
      name: `isolate ${pb.target}`,
      activity: 'isolate',
      retry: RETRY.careful,
      timeout: ISOLATE_TIMEOUT,
      heartbeatTimeout: WAITING_HEARTBEAT,
      compensate: { name: `rejoin ${pb.target}`, activity: 'rejoin', timeout: ISOLATE_TIMEOUT, heartbeatTimeout: WAITING_HEARTBEAT },
      dryRunResult: dryOk,
    });
    await pb.step({ name: `diagnose ${pb.target}`, activity: 'diagnose', retry: RETRY.quick, dryRunResult: dryOk });

    if (pb.params['approveRestart'] === true) {
      const answer = await pb.approval(`restart ${pb.target}?`, {
        timeout: durationParam(pb, 'approvalTimeout', DEFAULT_APPROVAL_TIMEOUT),
      });
      if (answer === 'timed-out') {
        await pb.escalate(`nobody approved restarting ${pb.target}; it stays out of rotation`, {
          ackTimeout: durationParam(pb, 'ackTimeout', DEFAULT_ACK_TIMEOUT),
        });
        return 'escalated';
      }
    }

    await restart(pb, 'first attempt');
    if (await isHealthy(pb, 'restart')) {
      await rejoin(pb);
      return 'recovered';
    }

    await pb.step({
      name: `roll back ${pb.target}`,
      activity: 'rollback',
      retry: RETRY.careful,
      timeout: RESTART_TIMEOUT,
      compensate: (out) => ({
        name: `roll ${pb.target} forward to ${out.fromVersion}`,
        activity: 'rollforward',
        params: { version: out.fromVersion },
        timeout: RESTART_TIMEOUT,
        heartbeatTimeout: WAITING_HEARTBEAT,
      }),
      dryRunResult: { summary: 'dry run', fromVersion: 'current', toVersion: 'previous' },
    });
    await restart(pb, 'after rollback');
    if (await isHealthy(pb, 'rollback')) {
      await rejoin(pb);
      return 'recovered';
    }

    await pb.escalate(`${pb.target} is still unhealthy after a restart and a rollback; it stays out of rotation`, {
      ackTimeout: durationParam(pb, 'ackTimeout', DEFAULT_ACK_TIMEOUT),
    });
    return 'escalated';
  },
};
