import { z } from 'zod';
import { defineActivity, definePlaybook, durationWithDefault, type StepOutput } from 'medic/playbook';

// Workflow code: deterministic, no I/O. medic bundles it beside its own playbooks
// (medic.yaml: extension.workflows) and replays it; `npm run replay` before a deploy.

/** How full the target's disk is: an activity of this repository's own (src/activities.ts). */
export const diskUsage = defineActivity<object, StepOutput & { data: { usedPercent: number } }>('disk-usage', {
  description: 'how full the filesystem under the target data folder is',
  effect: 'reads',
  timeout: '30 seconds',
  retry: 'quick',
  section: { name: 'disk', hint: 'a disk section (path: a folder on the filesystem to watch)' },
  dryRun: { summary: 'dry run: assumed 50% used', data: { usedPercent: 50 } },
});

export const diskFilling = definePlaybook({
  name: 'disk-filling',
  description: 'Run the cleanup command on a filling disk, check, ask before a restart, else escalate.',
  params: z.object({
    /** Used space (percent) at or below which the disk counts as recovered. */
    healthyBelow: z.number().min(1).max(100).default(85),
    approvalTimeout: durationWithDefault('10 minutes'),
    ackTimeout: durationWithDefault('15 minutes'),
  }),
  activities: ['diagnose', diskUsage, 'command', 'restart', 'verify', 'escalate'],
  stopsOnResolve: true,

  async run(pb) {
    await pb.optional('capture evidence', () => pb.step(`diagnose ${pb.target}`, 'diagnose'));
    const before = await pb.step(`disk usage on ${pb.target}`, diskUsage);
    // The argv is in medic.yaml (targets.<t>.commands.cleanup): never built from alert text.
    await pb.step(`clean up ${pb.target}`, 'command', { with: { action: 'cleanup', effect: 'changes' } });
    const after = await pb.step(`disk usage on ${pb.target} after cleanup`, diskUsage);
    pb.note(`disk ${before.data.usedPercent}% -> ${after.data.usedPercent}% used`);
    if (after.data.usedPercent <= pb.params.healthyBelow) return 'recovered';

    if ((await pb.approval(`restart ${pb.target} to release deleted files still held open?`, { timeout: pb.params.approvalTimeout })) === 'timed-out') {
      await pb.escalate(`${pb.target} is ${after.data.usedPercent}% full after cleanup and nobody approved a restart`, { ackTimeout: pb.params.ackTimeout });
      return 'escalated';
    }
    await pb.step(`restart ${pb.target}`, 'restart');
    const final = await pb.step(`disk usage on ${pb.target} after restart`, diskUsage);
    return final.data.usedPercent <= pb.params.healthyBelow && (await pb.step(`verify ${pb.target}`, 'verify')).healthy ? 'recovered' : 'escalated';
  },
});

export const playbooks = [diskFilling];
