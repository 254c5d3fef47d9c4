import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { expectTimeline, FakeFleet, startTestEnvironment, type MedicTestEnvironment } from '../../src/testkit/index.js';

// A user's extension on the kit: the disk-filling playbook (its own activity, a 10-minute
// approval default), with its real implementation below the fleet, scripted per target.

const MINUTE = 60_000;
const FIXTURE = fileURLToPath(new URL('../fixtures/extension/disk-filling/', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'medic-testkit-scratch-'));
const fleet = new FakeFleet()
  .script('verify', ['unhealthy'])
  .script('free-disk', [{ fatal: 'scratch folder is read-only' }], { target: 'host-2' })
  .script('verify', ['healthy'], { target: 'host-3' })
  .script('free-disk', [{ returns: { data: { removed: 7 } } }], { target: 'host-3' });
let env: MedicTestEnvironment;

describe('the test kit with a user extension', () => {
  before(async () => {
    env = await startTestEnvironment({
      fleet,
      extension: { workflows: join(FIXTURE, 'workflows.ts'), activities: join(FIXTURE, 'activities.ts') },
      targets: { 'host-1': { disk: { scratch } } },
    });
  });
  after(async () => {
    await env?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("runs the user's own activity for real, then times out the playbook's 10-minute approval default and escalates", async () => {
    mkdirSync(join(scratch, 'old-logs'));
    writeFileSync(join(scratch, 'core.1234'), 'x');
    const incident = await env.openIncident({ playbook: 'disk-filling', target: 'host-1' });
    assert.equal(await incident.waitForApproval(), 'restart host-1?');
    assert.ok(!existsSync(join(scratch, 'core.1234')), 'the implementation deleted the old files');
    await env.sleep('9 minutes');
    assert.equal((await incident.state()).pendingApproval, 'restart host-1?', 'still waiting after 9 minutes');

    const result = await incident.result();
    expectTimeline(result).toHaveOutcome('escalated');
    expectTimeline(result).toInclude('note', 'removed 2 file(s)');
    const [requested, timedOut] = expectTimeline(result).toIncludeInOrder('approval-requested', 'approval-timed-out', ['escalated', 'the disk is still filling']);
    const waitedMs = Date.parse(timedOut!.at) - Date.parse(requested!.at);
    assert.ok(waitedMs >= 10 * MINUTE && waitedMs < 10 * MINUTE + 1_000, `the playbook's default, 10 minutes (${waitedMs} ms)`);
    assert.deepEqual(fleet.callsTo('free-disk', 'host-1').map((c) => c.outcome), ['ok']);
    assert.deepEqual(fleet.callsTo('restart', 'host-1'), []);
  });

  it("scripts the user's activity per target: a failure that stops the playbook, a result that lets it recover", async () => {
    const [failing, healing] = await Promise.all(['host-2', 'host-3'].map((target) => env.openIncident({ playbook: 'disk-filling', target })));
    const [failed, recovered] = await Promise.all([failing!.result(), healing!.result()]);
    expectTimeline(failed!).toHaveOutcome('failed');
    expectTimeline(failed!).toInclude('step-failed', 'scratch folder is read-only');
    expectTimeline(recovered!).toHaveOutcome('recovered');
    expectTimeline(recovered!).toInclude('note', 'removed 7 file(s)');
  });
});
