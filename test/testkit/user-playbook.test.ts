import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { expectTimeline, FakeFleet, startTestEnvironment, type MedicTestEnvironment, type StepInput } from '../../src/testkit/index.js';

// A playbook repository's own playbook and activity, run by the kit from its own workflows entry.

const MINUTE = 60_000;
const workflowsPath = fileURLToPath(new URL('./fixtures/user-workflows.ts', import.meta.url));
const fleet = new FakeFleet().script('cleanup', ['fail', 'ok']);
let env: MedicTestEnvironment;

describe('the test kit with a playbook repository', () => {
  before(async () => {
    env = await startTestEnvironment({
      workflowsPath,
      fleet,
      activities: { cleanup: async (input: StepInput) => ({ summary: `cleaned /var/log on ${input.target}`, freedBytes: 1_048_576 }) },
    });
  });
  after(async () => {
    await env?.close();
  });

  it("times out the user playbook's own 10-minute approval default on the virtual clock and escalates", async () => {
    const incident = await env.openIncident({ playbook: 'restart-worker', target: 'queue-worker-1' });
    assert.equal(await incident.waitForApproval(), 'restart queue-worker-1?');
    await env.sleep('9 minutes');
    assert.equal((await incident.state()).pendingApproval, 'restart queue-worker-1?', 'still waiting after 9 minutes');

    const result = await incident.result();
    expectTimeline(result).toHaveOutcome('escalated');
    const [requested, timedOut] = expectTimeline(result).toIncludeInOrder('approval-requested', 'approval-timed-out', ['escalated', 'nobody approved the restart']);
    const waitedMs = Date.parse(timedOut!.at) - Date.parse(requested!.at);
    assert.ok(waitedMs >= 10 * MINUTE && waitedMs < 10 * MINUTE + 1_000, `the playbook's default, 10 minutes (${waitedMs} ms)`);
    assert.deepEqual(fleet.callsTo('restart', 'queue-worker-1'), []);
  });

  it('restarts once a human approves, and records who approved', async () => {
    const incident = await env.openIncident({ playbook: 'restart-worker', target: 'queue-worker-2', params: { settleFor: 0 } });
    await incident.waitForApproval();
    await incident.approve({ by: 'alice', reason: 'queue is backing up' });
    const result = await incident.result();
    expectTimeline(result).toHaveOutcome('recovered');
    assert.equal(expectTimeline(result).toInclude('approved').actor, 'alice');
    assert.deepEqual(fleet.calls.filter((c) => c.target === 'queue-worker-2').map((c) => c.activity), ['diagnose', 'restart', 'verify']);
  });

  it("runs the repository's own activity through the fleet: scripted, retried, recorded", async () => {
    const handle = await env.client.workflow.start('cleanupWorkflow', { workflowId: `cleanup-${env.taskQueue}`, taskQueue: env.taskQueue, args: ['disk-host-1'] });
    assert.equal(await env.result(handle.workflowId), 'cleaned /var/log on disk-host-1; freed 1048576 bytes');
    assert.deepEqual(
      fleet.callsTo('cleanup').map((c) => [c.target, c.attempt, c.outcome]),
      [
        ['disk-host-1', 1, 'failed'],
        ['disk-host-1', 2, 'ok'],
      ],
    );
  });
});
