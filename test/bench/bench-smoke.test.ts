import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { KindCpu } from '../../bench/measure-cpu-per-incident.js';
import type { LatencyResult } from '../../bench/measure-latency.js';
import type { KindSearch } from '../../bench/measure-rate-search.js';
import type { BenchResults } from '../../bench/results.js';
import type { Distribution } from '../../bench/stats.js';

// Benchmarks are not tests: this proves that `npm run bench` works end to end (its own dev server,
// worker and intake processes, all nine measurements, the files it writes), never the figures:
// no assertion here asks whether a goal is met.

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

function assertRatio(v: number | null, what: string): void {
  assert.ok(v !== null && Number.isFinite(v) && v > 0, `${what} is a finite positive ratio, got ${v}`);
}

function assertKindCpu(k: KindCpu, what: string): void {
  assert.equal(k.failures, 0, `${what}: every incident of the CPU phases accepted and finished`);
  assert.ok(k.incidents > 0 && k.wallSeconds > 0, `${what}: incidents ran over some time`);
  for (const key of ['serverMs', 'workerMs', 'totalMs'] as const) assert.ok(Number.isFinite(k[key]) && k[key] > 0, `${what}.${key} is positive, got ${k[key]}`);
  assert.ok(Math.abs(k.totalMs - (k.serverMs + k.workerMs)) <= 0.02, `${what}: total = server + worker (${JSON.stringify(k)})`);
}

function assertSearch(k: KindSearch, what: string): void {
  assert.ok(k.steps.length >= 2, `${what}: the rate search tried at least two steps, tried ${k.steps.length}`);
  for (const s of k.steps) {
    assert.ok(s.rate >= 1 && s.incidents > 0, `${what}: a step at ${s.rate}/s sent alerts`);
    if (s.p50Ms !== null && s.p99Ms !== null) assert.ok(s.p50Ms > 0 && s.p50Ms <= s.p99Ms, `${what} at ${s.rate}/s: 0 < p50 <= p99 (${s.p50Ms}, ${s.p99Ms})`);
    assert.equal(s.pass, !s.stoppedEarly && s.p99Ms !== null && s.p99Ms < 1000, `${what} at ${s.rate}/s: a step passes exactly when its p99 is under 1 s`);
  }
  assert.ok(k.steps.some((s) => s.rate === k.highestPassingRate && s.pass) || k.highestPassingRate === 0, `${what}: the answer is a rate tried that passed`);
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

  it('runs all nine measurements against a real dev server and writes results.json and results.md', { timeout: 420_000 }, async () => {
    const { code, output } = await runSmoke(400_000);
    assert.equal(code, 0, `the smoke bench exits 0:\n${output}`);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResults;
    assert.equal(results.mode, 'smoke');
    assert.ok(results.machine.nproc >= 1 && results.machine.cpuModel !== '' && results.machine.memoryGiB > 0);
    assert.match(results.machine.node, /^v\d+/);
    assert.match(results.machine.temporalCli, /temporal version/);

    const rows = results.rows;
    assert.deepEqual(Object.keys(rows).sort(), ['alertToFirstAction', 'bareFloor', 'cpuPerIncident', 'intakeThroughput', 'lightRatio', 'openIncidents', 'plainBaseline', 'rateSearch', 'stepOverhead']);
    const { alertToFirstAction: a, bareFloor: b, plainBaseline: p, intakeThroughput: t, openIncidents: o, stepOverhead: s, lightRatio: l, cpuPerIncident: c, rateSearch: q } = rows as Required<typeof rows>;

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

    // Row 7: the light run's figures, as a ratio of its own.
    assertRatio(l.ratio.p50, 'row 7 p50');
    assertRatio(l.ratio.p99, 'row 7 p99');
    assert.equal(l.medicMs.p50, a.light.firstActionMs.p50, 'row 7 is the light run of row 1');
    assert.equal(l.bareMs.p99, b.light.firstActionMs.p99, 'row 7 is the light run of row 2');
    assert.ok(l.medicMs.p50 <= l.medicMs.p99 && l.bareMs.p50 <= l.bareMs.p99, 'row 7: p50 <= p99');
    assert.equal(l.ratio.p50, Math.round((l.medicMs.p50 / l.bareMs.p50) * 100) / 100, 'row 7: medic p50 / bare p50');

    // Row 8: medic and bare each ran two phases of the same size; the ratio is of the totals.
    assertKindCpu(c.medic, 'row 8 medic');
    assertKindCpu(c.bare, 'row 8 bare');
    assert.equal(c.medic.incidents, c.bare.incidents, 'row 8: the same number of incidents for each kind');
    assert.deepEqual(c.phases.map((x) => x.kind), ['medic', 'bare', 'bare', 'medic']);
    assertRatio(c.medicOverBare, 'row 8 medic / bare');
    assert.equal(c.medicOverBare, Math.round((c.medic.totalMs / c.bare.totalMs) * 100) / 100, 'row 8: the ratio of server + worker per incident');
    assert.ok(c.intakeMsPerMedicIncident > 0, 'row 8: the intake CPU per medic incident is reported apart');

    // Row 9: both searches ran at least two steps; the ratio is of their answers.
    assertSearch(q.medic, 'row 9 medic');
    assertSearch(q.bare, 'row 9 bare');
    assertRatio(q.medicOverBare, 'row 9 medic / bare');
    for (const x of [l.loadAverage, c.loadAverage, q.loadAverage]) assert.ok(Number.isFinite(x.start) && Number.isFinite(x.end), 'each ratio keeps the load average around its phase');

    assert.equal(results.targets.length, 11, 'first action p99, medic / bare, intake and intake / floor twice each, worker RSS, and the ratios of rows 7 (p50, p99), 8 and 9');
    for (const phase of ['steady', 'light', 'burst', 'overhead', 'open', 'cpu-per-incident', 'rate-search']) {
      const split = results.cpu[phase];
      assert.ok(split !== undefined && (split['wallSeconds'] ?? 0) > 0 && (split['devServer'] ?? 0) > 0, `CPU seconds of the dev server in phase ${phase}`);
    }
    for (const c of results.targets) assert.ok(Number.isFinite(c.measured) && typeof c.pass === 'boolean', c.name);

    const table = readFileSync(join(out, 'results.md'), 'utf8');
    for (const row of [1, 2, 3, 4, 5, 6, 7, 8, 9]) assert.match(table, new RegExp(`^\\| ${row} \\| `, 'm'), `results.md has row ${row}`);
    assert.match(table, /\| ratio \| measured \(medic \/ bare\) \| goal \| verdict \| load average over its phase \|/, 'the three ratios are shown with their goals and load average');
    assert.match(table, /the run's load average: [\d.]+ at start, [\d.]+ at end/);
    assert.match(table, /medic \/ bare/);
    assert.match(table, /intake \/ floor \d/, 'row 4 shows the intake / floor ratio');
    assert.match(output, /\| 9 \| /, 'the table is printed');
  });
});
