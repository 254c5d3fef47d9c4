import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { LatencyResult } from '../../bench/measure-latency.js';
import type { BenchResults } from '../../bench/results.js';
import type { Distribution } from '../../bench/stats.js';

// Benchmarks are not tests: this proves that `npm run bench` works end to end (its own dev server,
// worker and intake processes, all six measurements, the files it writes), never the figures.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUN_BENCH = join(ROOT, 'bench', 'run-bench.ts');
const out = mkdtempSync(join(tmpdir(), 'medic-bench-smoke-'));

function runSmoke(timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUN_BENCH, '--smoke', '--out', out], { cwd: ROOT });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the smoke bench did not finish within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function assertDistribution(d: Distribution, what: string): void {
  for (const key of ['p50', 'p95', 'p99', 'mean', 'max'] as const) {
    assert.ok(Number.isFinite(d[key]) && d[key] > 0, `${what}.${key} is a positive number, got ${d[key]}`);
  }
  assert.ok(d.p50 <= d.p95 && d.p95 <= d.p99 && d.p99 <= d.max, `${what}: p50 <= p95 <= p99 <= max (${JSON.stringify(d)})`);
}

function assertLatency(r: LatencyResult, what: string): void {
  assert.equal(r.failures, 0, `${what}: every alert accepted and every incident finished`);
  assert.ok(r.incidents > 0, `${what}: measured some incidents`);
  assertDistribution(r.firstActionMs, `${what}.firstActionMs`);
  assertDistribution(r.endToEndMs, `${what}.endToEndMs`);
  assert.ok(r.endToEndMs.p50 > r.firstActionMs.p50, `${what}: the last step ends after the first begins`);
}

describe('npm run bench --smoke', () => {
  after(() => rmSync(out, { recursive: true, force: true }));

  it('runs all six measurements against a real dev server and writes results.json and results.md', { timeout: 420_000 }, async () => {
    const { code, output } = await runSmoke(400_000);
    assert.equal(code, 0, `the smoke bench exits 0:\n${output}`);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResults;
    assert.equal(results.mode, 'smoke');
    assert.ok(results.machine.nproc >= 1 && results.machine.cpuModel !== '' && results.machine.memoryGiB > 0);
    assert.match(results.machine.node, /^v\d+/);
    assert.match(results.machine.temporalCli, /temporal version/);

    const rows = results.rows;
    assert.deepEqual(Object.keys(rows).sort(), ['alertToFirstAction', 'bareFloor', 'intakeThroughput', 'openIncidents', 'plainBaseline', 'stepOverhead']);
    const { alertToFirstAction: a, bareFloor: b, plainBaseline: p, intakeThroughput: t, openIncidents: o, stepOverhead: s } = rows as Required<typeof rows>;

    assertLatency(a.steady, 'row 1 steady');
    assertLatency(a.light, 'row 1 light');
    assertLatency(a.burst, 'row 1 burst');
    assertDistribution(a.steady.answerMs as Distribution, 'row 1 intake answer');
    assert.ok((a.steady.answerMs as Distribution).p50 < a.steady.firstActionMs.p50, 'the intake answers before the first step begins');
    assert.ok(a.steady.breakdown !== undefined && a.steady.breakdown.sampled > 0 && a.steady.breakdown.workflowTasksBefore >= 1);

    assertLatency(b.steady, 'row 2 steady');
    assertLatency(b.light, 'row 2 light');
    assertLatency(b.burst, 'row 2 burst');
    for (const r of [b.ratio.steady, b.ratio.light, b.ratio.burst, b.ratio.endToEndSteady]) {
      for (const v of Object.values(r)) assert.ok(Number.isFinite(v) && v > 0, `a medic / bare ratio is a positive number, got ${v}`);
    }

    assert.ok(p.perStepMicros > 0 && p.medicPerStepMs > 0 && p.barePerStepMs > 0);
    assert.ok(p.medicOverPlain > 1 && p.bareOverPlain > 1, 'a durable step costs more than a plain call');

    assert.equal(t.length, 2, 'throughput for a small and a large set of fingerprints');
    for (const x of t) {
      assert.equal(x.refused, 0, 'every alert answered 202');
      assert.ok(x.alertsPerSecond > 0 && x.alerts > 0);
      assert.ok(x.opened >= 1 && x.opened <= x.fingerprints, 'at most one incident opened per fingerprint');
      assert.equal(x.opened + x.deduplicated, x.alerts, 'every other alert joined its open incident (dedup on)');
      assert.ok(x.guarantee.holds && x.guarantee.sampled > 0, 'each sampled incident recorded every alert answered 202');
      assert.ok(x.floor !== undefined && x.floor.callsPerSecond > 0 && x.floor.failed === 0, 'the floor was measured in the same run, every call answered');
      assert.equal(x.intakeOverFloor, Math.round((x.alertsPerSecond / x.floor.callsPerSecond) * 100) / 100, 'the ratio is intake alerts/s over floor calls/s');
      assert.ok((x.intakeCpuMsPerAlert ?? 0) > 0, 'the intake CPU per alert is reported');
    }

    assert.equal(o.failures, 0, 'every incident reached the approval gate, was approved and recovered');
    assert.ok(o.workerRssMiB.idle > 0 && o.workerRssMiB.open > 0 && o.workerRssMiB.peak >= o.workerRssMiB.open);
    assert.ok(o.approveAllSeconds > 0 && o.allRecoveredSeconds >= o.approveAllSeconds);

    assert.equal(s.steps, 5);
    assertDistribution(s.medic, 'row 6 medic');
    assert.ok(Number.isFinite(s.bare.p50));

    assert.equal(results.targets.length, 7, 'first action p99, medic / bare, intake and intake / floor twice each, worker RSS');
    for (const phase of ['steady', 'light', 'burst', 'overhead', 'open']) {
      const split = results.cpu[phase];
      assert.ok(split !== undefined && (split['wallSeconds'] ?? 0) > 0 && (split['devServer'] ?? 0) > 0, `CPU seconds of the dev server in phase ${phase}`);
    }
    for (const c of results.targets) assert.ok(Number.isFinite(c.measured) && typeof c.pass === 'boolean', c.name);

    const table = readFileSync(join(out, 'results.md'), 'utf8');
    for (const row of [1, 2, 3, 4, 5, 6]) assert.match(table, new RegExp(`^\\| ${row} \\| `, 'm'), `results.md has row ${row}`);
    assert.match(table, /medic \/ bare/);
    assert.match(table, /intake \/ floor \d/, 'row 4 shows the intake / floor ratio');
    assert.match(output, /\| 6 \| /, 'the table is printed');
  });
});
