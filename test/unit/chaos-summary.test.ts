import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { formatSummary, readRows, SUMMARY_ENV, type ChaosRow } from '../../scripts/chaos-summary.js';
import { reported } from '../helpers/chaos-summary.js';
import { findSecrets } from '../helpers/secret-scan.js';

// The summary table's own rules: a failed test writes its row with the reason, the table says at
// the top that the run failed, and the figures are what was counted (a fault not survived shows
// as injected 1, survived 0). The end-to-end proof, with real faults and a real history, is
// test/chaos/planted-failures.test.ts.

const dir = mkdtempSync(join(tmpdir(), 'medic-summary-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('chaos summary', () => {
  it('a test whose assertion fails still writes its row, marked failed with the reason and the figures counted so far', async (t) => {
    const file = join(dir, 'failed.jsonl');
    const before = process.env[SUMMARY_ENV];
    process.env[SUMMARY_ENV] = file;
    try {
      await assert.rejects(
        reported(t, 'planted', async (report) => {
          const kill = report.injected('worker SIGKILLed');
          report.survived(kill, false);
          report.expectIncidents(1);
          report.secrets(findSecrets('history', 'token=s3cr3t-value-1234', ['s3cr3t-value-1234']));
          assert.equal(1, 2, 'the incident recovered after the kill');
        }),
        /the incident recovered after the kill/,
      );
    } finally {
      if (before === undefined) delete process.env[SUMMARY_ENV];
      else process.env[SUMMARY_ENV] = before;
    }
    assert.deepEqual(readRows(file), [{
      test: 'planted', status: 'failed', reason: 'the incident recovered after the kill',
      faultsInjected: 1, faultsSurvived: 0, incidentsExpected: 1, incidentsCompleted: 0, secretsFound: 1,
    }]);
  });

  it('the table says at the top that tests failed, lists them first as FAILED, and gives each reason', () => {
    const rows: ChaosRow[] = [
      { test: 'a passing test', status: 'passed', faultsInjected: 2, faultsSurvived: 2 },
      { test: 'planted', status: 'failed', reason: 'the incident did not recover\n  at stack', faultsInjected: 1, faultsSurvived: 0, secretsFound: 1 },
    ];
    const lines = formatSummary(rows).split('\n');
    assert.match(lines[0] ?? '', /^FAILED: 1 of 2 reporting tests failed/);
    assert.match(lines[3] ?? '', /^planted\s+FAILED\s+1\/0\s+-\s+-\s+-\s+1$/);
    assert.match(lines[4] ?? '', /^a passing test\s+ok\s+2\/2/);
    assert.match(lines[6] ?? '', /^TOTAL\s+3\/2\s+-\s+-\s+-\s+1$/);
    assert.equal(lines[7], 'FAILED planted: the incident did not recover at stack');
  });

  it('a clean run says so at the top', () => {
    assert.match(formatSummary([{ test: 'x', status: 'passed', secretsFound: 0 }]).split('\n')[0] ?? '', /^all 1 reporting tests passed$/);
  });
});
