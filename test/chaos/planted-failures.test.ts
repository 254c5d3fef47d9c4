import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { formatSummary, readRows, SUMMARY_ENV } from '../../scripts/chaos-summary.js';
import { within } from '../helpers/deadline.js';
import { PROJECT_ROOT } from '../helpers/processes.js';

// The summary table must be able to show failure, or its figures prove nothing. This runs two
// planted failures (test/fixtures/planted-failures.ts) through the very helpers the chaos and
// security suites use, in a child test run with its own summary file: a worker SIGKILLed with no
// worker to take over (a fault that is not survived) and a token that reaches an incident's
// history (a secret the scan of every history finds). The table must say so, row by row.

const FIXTURE = fileURLToPath(new URL('../fixtures/planted-failures.ts', import.meta.url));
// The names the fixture reports under (importing it would register its tests here).
const PLANTED_FAULT = 'planted: worker SIGKILLed, never replaced';
const PLANTED_SECRET = 'planted: a secret in an incident history';
const dir = mkdtempSync(join(tmpdir(), 'medic-planted-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('planted failures in the summary', () => {
  it('a planted unsurvived fault and a planted secret show in the table as failed, with the fault not survived and the secret found', async (t) => {
    const summary = join(dir, 'planted.jsonl');
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', FIXTURE], {
      cwd: PROJECT_ROOT,
      // Without NODE_TEST_CONTEXT the child is a test run of its own, not a subprocess of this one.
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')), [SUMMARY_ENV]: summary },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await within(new Promise<number | null>((resolve) => child.on('exit', resolve)), 240_000, 'the planted run finishing').finally(() => child.kill('SIGKILL'));
    assert.notEqual(code, 0, `the planted tests fail:\n${output.slice(-3000)}`);

    const rows = readRows(summary);
    const fault = rows.find((r) => r.test === PLANTED_FAULT);
    const secret = rows.find((r) => r.test === PLANTED_SECRET);
    assert.ok(fault && secret, `both planted tests wrote their rows though they failed: ${JSON.stringify(rows)}\n${output.slice(-3000)}`);
    assert.equal(fault.status, 'failed');
    assert.match(fault.reason ?? '', /the incident finished after the SIGKILL/);
    assert.deepEqual([fault.faultsInjected, fault.faultsSurvived, fault.incidentsExpected, fault.incidentsCompleted], [1, 0, 1, 0], 'one fault done, not survived; the incident never completed');
    assert.equal(secret.status, 'failed');
    assert.match(secret.reason ?? '', /no secret in any workflow history/);
    assert.ok((secret.secretsFound ?? 0) >= 1, `the planted token was found (${secret.secretsFound})`);

    const table = formatSummary(rows);
    // Labelled, so a reader of the whole run's output does not take these planted failures for real ones.
    t.diagnostic(`the planted run's own table (its failures are planted on purpose):\n${table.split('\n').map((l) => `  planted run | ${l}`).join('\n')}`);
    const lines = table.split('\n');
    assert.match(lines[0] ?? '', /^FAILED: 2 of 2 reporting tests failed/);
    assert.ok(lines.some((l) => new RegExp(`^${PLANTED_FAULT}\\s+FAILED\\s+1/0\\s+1/0\\s`).test(l)), `the fault row reads FAILED 1/0 1/0:\n${table}`);
    assert.ok(lines.some((l) => new RegExp(`^${PLANTED_SECRET}\\s+FAILED\\s.*\\s${secret.secretsFound}$`).test(l)), `the secret row reads FAILED with the secrets found:\n${table}`);
    assert.ok(lines.some((l) => l.startsWith(`FAILED ${PLANTED_FAULT}: the incident finished after the SIGKILL`)), 'the reason is printed under the table');
  });
});
