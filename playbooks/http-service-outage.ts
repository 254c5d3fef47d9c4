import { z } from 'zod';
// The public playbook API only, exactly what a user's repository imports as 'medic/playbook'.
import { definePlaybook, durationWithDefault, type PlaybookContext } from '../workflows/playbook.js';

// isolate -> diagnose -> restart -> verify -> rejoin
// verify failed: roll back -> restart -> verify -> rejoin
// still failing: escalate and wait for a human (the backend stays out of rotation).
// The engine puts the backend back only after a verify that passed since the last change; an
// undo of the isolation verifies first, and leaves a still-broken backend out.

const params = z.object({
  /** Ask a human before restarting. */
  approveRestart: z.boolean().default(false),
  /** How long to wait for that approval. */
  approvalTimeout: durationWithDefault('15 minutes'),
  /** How long an escalation waits for `ack`. */
  ackTimeout: durationWithDefault('15 minutes'),
});

type Ctx = PlaybookContext<z.output<typeof params>>;

async function isHealthy(pb: Ctx, after: string): Promise<boolean> {
  const result = await pb.step(`verify ${pb.target} after ${after}`, 'verify');
  if (!result.healthy) pb.note(`${pb.target} is still unhealthy after ${after}: ${result.summary}`);
  return result.healthy;
}

export const httpServiceOutage = definePlaybook({
  name: 'http-service-outage',
  description: 'Take a failing HTTP backend out of rotation, restart it, roll back if that does not help, else escalate.',
  params,
  activities: ['isolate', 'diagnose', 'restart', 'verify', 'rollback', 'rejoin', 'escalate'],
  // Isolating the backend often clears the alert by itself: that is not a recovery.
  stopsOnResolve: false,
  // A second alert on a backend this playbook is already recovering must not restart it again.
  targetPolicy: 'join',

  async run(pb) {
    await pb.step(`isolate ${pb.target}`, 'isolate');
    await pb.step(`diagnose ${pb.target}`, 'diagnose');

    if (pb.params.approveRestart) {
      if ((await pb.approval(`restart ${pb.target}?`, { timeout: pb.params.approvalTimeout })) === 'timed-out') {
        await pb.escalate(`nobody approved restarting ${pb.target}; it stays out of rotation`, { ackTimeout: pb.params.ackTimeout });
        return 'escalated';
      }
    }

    await pb.step(`restart ${pb.target} (first attempt)`, 'restart');
    if (await isHealthy(pb, 'restart')) {
      await pb.step(`rejoin ${pb.target}`, 'rejoin');
      return 'recovered';
    }

    await pb.step(`roll back ${pb.target}`, 'rollback');
    await pb.step(`restart ${pb.target} (after rollback)`, 'restart');
    if (await isHealthy(pb, 'rollback')) {
      await pb.step(`rejoin ${pb.target}`, 'rejoin');
      return 'recovered';
    }

    await pb.escalate(`${pb.target} is still unhealthy after a restart and a rollback; it stays out of rotation`, {
      ackTimeout: pb.params.ackTimeout,
    });
    return 'escalated';
  },
});
