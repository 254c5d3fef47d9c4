import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runMedic } from '../helpers/processes.js';
import { uniqueName } from '../helpers/temporal.js';

// `medic signal --dry-run --assume`: the flags a user walks a playbook's branches with.

describe('medic signal --dry-run --assume', () => {
  const env = (queue: string) => ({ TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '', MEDIC_TASK_QUEUE: queue });
  const alert = (fp: string) => ['signal', '--alertname', 'HighErrorRate', '--service', 'checkout-api', '--severity', 'critical', '--fingerprint', fp];

  it('opens a dry-run incident that carries the assumed outcomes', async (t) => {
    const name = uniqueName(t.name);
    const out = await runMedic([...alert(name), '--dry-run', '--assume', 'verify=unhealthy,healthy', '--assume', 'approval=timed-out', '--json'], env(name));
    assert.equal(out.code, 0, out.stderr);
    const json = JSON.parse(out.stdout) as { route: { dryRun: boolean; assume: Record<string, string[]> }; opened: boolean };
    assert.equal(json.route.dryRun, true);
    assert.deepEqual(json.route.assume, { verify: ['unhealthy', 'healthy'], approval: ['timed-out'] });
  });

  it('refuses --assume without --dry-run, and an outcome the activity cannot have, as usage errors that say what to do', async (t) => {
    const name = uniqueName(t.name);
    const alone = await runMedic([...alert(name), '--assume', 'verify=unhealthy'], env(name));
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /--assume applies to a dry run only\. To fix: add --dry-run/);
    const wrong = await runMedic([...alert(name), '--dry-run', '--assume', 'isolate=healthy'], env(name));
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--assume isolate=healthy: only a check \(a verifies activity\) is healthy or unhealthy; isolate can be ok or fail/);
  });
});
