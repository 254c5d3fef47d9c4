import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { expectTimeline, FakeFleet, startTestEnvironment, type MedicTestEnvironment } from 'medic/testkit';

// The playbook on a time-skipping Temporal test server: the fleet answers the shipped activities
// (the cleanup command included) and this repository's disk-usage as scripted per target.

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const usage = (...percents: number[]) => percents.map((usedPercent) => ({ returns: { summary: `${usedPercent}% used`, data: { usedPercent } } }));
const fleet = new FakeFleet()
  .script('disk-usage', usage(97, 60), { target: 'app-1' })
  .script('disk-usage', usage(97, 95), { target: 'app-2' })
  .script('disk-usage', usage(97, 95, 40), { target: 'app-3' });
let env: MedicTestEnvironment;

describe('disk-filling', () => {
  before(async () => {
    env = await startTestEnvironment({ fleet, extension: { workflows: here('../src/workflows.ts'), activities: here('../src/activities.ts') } });
  });
  after(async () => {
    await env?.close();
  });

  it('runs the configured cleanup command and recovers when it frees enough', async () => {
    const result = await (await env.openIncident({ playbook: 'disk-filling', target: 'app-1' })).result();
    expectTimeline(result).toHaveOutcome('recovered');
    expectTimeline(result).toInclude('note', 'disk 97% -> 60% used');
    const [cleanup] = fleet.callsTo('command', 'app-1');
    assert.equal(cleanup?.action, 'cleanup');
    assert.equal(cleanup?.effect, 'changes');
    assert.deepEqual(fleet.callsTo('restart', 'app-1'), []);
  });

  it('escalates when the disk stays full and nobody approves a restart within 10 minutes', async () => {
    const incident = await env.openIncident({ playbook: 'disk-filling', target: 'app-2' });
    await incident.waitForApproval();
    const started = Date.now();
    const result = await incident.result(); // the 10-minute approval, the ack wait and the hold, skipped
    expectTimeline(result).toHaveOutcome('escalated');
    const [asked, timedOut] = expectTimeline(result).toIncludeInOrder('approval-requested', 'approval-timed-out', ['escalated', 'nobody approved a restart']);
    assert.ok(Date.parse(timedOut!.at) - Date.parse(asked!.at) >= 10 * 60_000, 'the full 10 minutes, on the virtual clock');
    assert.ok(Date.now() - started < 30_000, 'in seconds of wall time');
    assert.deepEqual(fleet.callsTo('restart', 'app-2'), []);
  });

  it('restarts once a human approves, and recovers when the space comes back', async () => {
    const incident = await env.openIncident({ playbook: 'disk-filling', target: 'app-3' });
    await incident.waitForApproval();
    await incident.approve({ by: 'alice', reason: 'the app holds deleted logs open' });
    expectTimeline(await incident.result()).toHaveOutcome('recovered');
    assert.equal(fleet.callsTo('restart', 'app-3').length, 1);
  });
});
