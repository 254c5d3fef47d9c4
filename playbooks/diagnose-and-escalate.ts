import { z } from 'zod';
// The public playbook API only, exactly what a user's repository imports as 'medic/playbook'.
import { definePlaybook, durationWithDefault } from '../workflows/playbook.js';

/**
 * The safe default: changes nothing, gathers what evidence it can and hands over to a human.
 * The example configuration routes every alert without a better rule here.
 */
export const diagnoseAndEscalate = definePlaybook({
  name: 'diagnose-and-escalate',
  description: 'Capture evidence, then notify a human. Never changes the target.',
  params: z.object({
    /** How long the escalation waits for `ack`. */
    ackTimeout: durationWithDefault('15 minutes'),
  }),
  activities: ['diagnose', 'escalate'],
  stopsOnResolve: true,

  async run(pb) {
    // Missing evidence must never keep the page from going out; an abort still stops here.
    await pb.optional('capture evidence', () => pb.step(`diagnose ${pb.target}`, 'diagnose'));
    await pb.escalate(`${pb.alertname} on ${pb.service} needs a human (no automated recovery is configured)`, {
      ackTimeout: pb.params.ackTimeout,
    });
    return 'escalated';
  },
});
