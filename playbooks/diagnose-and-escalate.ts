import type { Playbook } from '../workflows/runtime/playbook-api.js';
import { RETRY } from '../workflows/runtime/retry-profiles.js';
import { durationParam } from './params.js';

const DEFAULT_ACK_TIMEOUT = '15 minutes';

/**
 * The safe default: changes nothing, gathers what evidence it can and hands over to a human.
 * The example configuration routes every alert without a better rule here.
 */
export const diagnoseAndEscalate: Playbook = {
  name: 'diagnose-and-escalate',
  description: 'Capture evidence, then notify a human. Never changes the target.',
  stopsOnResolve: true,

  async run(pb) {
    try {
      await pb.step({
        name: `diagnose ${pb.target}`,
        activity: 'diagnose',
        retry: RETRY.quick,
        dryRunResult: { summary: 'dry run' },
      });
    } catch (err) {
      // Missing evidence must never keep the page from going out.
      pb.note(`no evidence captured: ${err instanceof Error ? err.message : String(err)}`);
    }
    await pb.escalate(`${pb.alertname} on ${pb.service} needs a human (no automated recovery is configured)`, {
      ackTimeout: durationParam(pb, 'ackTimeout', DEFAULT_ACK_TIMEOUT),
    });
    return 'escalated';
  },
};
