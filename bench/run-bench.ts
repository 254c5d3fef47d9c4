// `npm run bench`: medic's figures against a real Temporal dev server on this machine (see
// bench/README.md). Writes results.json and results.md and prints the table.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEnv } from '../src/config/env.js';
import { resolveTemporalCli } from '../src/temporal/temporal-cli.js';
import { BARE_STEPS } from './bare-workflow.js';
import { SLEEP_MS } from './bench-routes.js';
import { parseOptions, type BenchOptions, type Phase } from './bench-options.js';
import { BenchStack, INTAKE_TOKEN } from './bench-stack.js';
import { LoadClient } from './http-load.js';
import { loadAverageNow, machineInfo } from './machine-info.js';
import { childrenNamed, CpuMeter, type CpuSplit } from './cpu-usage.js';
import { compareKeepAlive } from './measure-keep-alive.js';
import { compareMedicAndBare, type Pattern } from './measure-latency.js';
import { measureCpuPerIncident } from './measure-cpu-per-incident.js';
import { measureOpenIncidents } from './measure-open-incidents.js';
import { searchRates } from './measure-rate-search.js';
import { measurePlain } from './measure-plain.js';
import { measureFloor, type FloorResult } from './measure-floor.js';
import { measureThroughput, type ThroughputResult } from './measure-throughput.js';
import { renderTable } from './render-table.js';
import { checkTargets, compare, derivePlain, lightRatio, withFloor, type BenchResults, type BenchRows } from './results.js';
import { ratios, round } from './stats.js';

const started = performance.now();
const progress = (message: string) => console.log(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);

async function measure(stack: BenchStack, http: LoadClient, o: BenchOptions, cpu: CpuMeter, cpuByPhase: Record<string, CpuSplit>, processes: () => Record<string, number>): Promise<Partial<BenchRows>> {
  const sz = o.sizes;
  const run = Date.now().toString(36);
  const rows: Partial<BenchRows> = {};
  const timeoutMs = sz.timeoutMs;
  const phase = async <T>(name: string, message: string, fn: () => Promise<T>): Promise<T> => {
    progress(message);
    cpu.mark();
    const result = await fn();
    cpuByPhase[name] = cpu.since();
    return result;
  };
  const latency = (name: string, incidents: number, rounds: number, pattern: Pattern, sleep = false) =>
    compareMedicAndBare(stack, http, { prefix: `${run}-${name}`, incidents, rounds, pattern, sleep, timeoutMs, breakdownSample: sleep ? 0 : sz.breakdownSample });

  if (['latency', 'overhead', 'cpu', 'rate'].some((p) => o.phases.includes(p as Phase))) {
    await phase('warm-up', `warm-up: ${sz.warmup} incidents each for medic and bare`, () => latency('warm', sz.warmup, 1, { kind: 'steady', perSecond: 20 }));
  }
  if (o.phases.includes('latency')) {
    const { incidents, perSecond, rounds } = sz.steady;
    const steady = await phase('steady', `rows 1-2: ${incidents} incidents each at ${perSecond}/s, medic and bare alternating in ${rounds} rounds`, () =>
      latency('steady', incidents, rounds, { kind: 'steady', perSecond }),
    );
    const lightLoad = { start: loadAverageNow(), end: Number.NaN };
    const light = await phase('light', `rows 1-3 and 7: ${sz.light.incidents} incidents each at ${sz.light.perSecond}/s (no queue)`, () =>
      latency('light', sz.light.incidents, sz.light.rounds, { kind: 'steady', perSecond: sz.light.perSecond }),
    );
    lightLoad.end = loadAverageNow();
    const burst = await phase('burst', `rows 1-2: bursts of ${sz.burst.size} alerts at once (${sz.burst.rounds} each)`, () =>
      latency('burst', sz.burst.size * sz.burst.rounds, sz.burst.rounds, { kind: 'burst', concurrency: o.connections }),
    );
    rows.alertToFirstAction = {
      steady: { ...steady.medic, perSecond },
      light: { ...light.medic, perSecond: sz.light.perSecond },
      burst: { ...burst.medic, burstSize: sz.burst.size },
    };
    rows.bareFloor = {
      steady: steady.bare,
      light: light.bare,
      burst: burst.bare,
      ratio: {
        steady: compare(steady.medic, steady.bare),
        light: compare(light.medic, light.bare),
        burst: compare(burst.medic, burst.bare),
        endToEndSteady: ratios(steady.medic.endToEndMs, steady.bare.endToEndMs),
      },
    };
    rows.lightRatio = lightRatio(light.medic, light.bare, sz.light.perSecond, lightLoad);
    progress(`row 3: ${sz.plain} incidents as plain async calls`);
    rows.plainBaseline = derivePlain(await measurePlain(sz.plain), light.medic, light.bare);
  }
  if (o.phases.includes('cpu')) {
    const { perPhase, perSecond } = sz.cpu;
    rows.cpuPerIncident = await phase('cpu-per-incident', `row 8: CPU per incident, phases of ${perPhase} incidents at ${perSecond}/s of one kind only: medic, bare, bare, medic`, () =>
      measureCpuPerIncident(stack, http, { prefix: `${run}-cpu`, perPhase, perSecond, timeoutMs, processes }),
    );
  }
  if (o.phases.includes('rate')) {
    const r = sz.rateSearch;
    rows.rateSearch = await phase('rate-search', `row 9: highest alert rate with first-action p99 < 1 s, from ${r.startRate}/s (at most ${r.maxRate}/s and ${r.budgetSeconds} s), medic and bare taking turns`, () =>
      searchRates(stack, http, { prefix: `${run}-rate`, ...r, timeoutMs, processes, log: (m) => progress(`row 9: ${m}`) }),
    );
  }
  if (o.phases.includes('overhead')) {
    const { incidents, perSecond, rounds } = sz.overhead;
    const slept = await phase('overhead', `row 6: ${incidents} incidents each at ${perSecond}/s, every activity sleeping ${SLEEP_MS} ms`, () =>
      latency('sleep', incidents, rounds, { kind: 'steady', perSecond }, true),
    );
    rows.stepOverhead = {
      sleepMs: SLEEP_MS,
      steps: BARE_STEPS.length,
      medic: slept.medic.overheadPerStepMs,
      bare: slept.bare.overheadPerStepMs,
      medicOverBareP50: round(slept.medic.overheadPerStepMs.p50 / slept.bare.overheadPerStepMs.p50),
    };
  }
  if (o.phases.includes('open')) {
    const { incidents, concurrency } = sz.open;
    rows.openIncidents = await phase('open', `row 5: ${incidents} incidents waiting for approval in a fresh worker, then approve them all`, () =>
      measureOpenIncidents(stack, http, { prefix: `${run}-open`, incidents, concurrency, timeoutMs }),
    );
  }
  if (o.phases.includes('throughput')) {
    // Last: it leaves many incidents open, which would weigh on the other measurements.
    // Each size is measured through the intake and at the floor (plain signalWithStart calls, same
    // server and worker), in the order intake, floor, floor, intake, each once the last one's
    // incidents all wait at the approval gate: the open incidents each leaves weigh on what comes
    // after (a larger history store, more visibility rows), and this order spreads that over both.
    rows.intakeThroughput = [];
    const concurrency = Math.min(sz.throughputConcurrency, o.connections);
    // Not measured: the first seconds of traffic pay for cold code (JIT, the worker's workflow
    // cache, connections), which would land on whichever of intake and floor went first.
    const warm = Math.max(1, Math.round((sz.throughput[0]?.seconds ?? 5) / 5));
    await phase('throughput-warm-up', `row 4 warm-up: ${warm} s through the intake, ${warm} s at the floor (not measured)`, async () => {
      await measureThroughput(stack, http, { prefix: `${run}-warm-tput`, fingerprints: 100, seconds: warm, concurrency, sample: 0, timeoutMs });
      await measureFloor(stack, { prefix: `${run}-warm-floor`, fingerprints: 100, seconds: warm, concurrency });
    });
    for (const [i, t] of sz.throughput.entries()) {
      // Each measurement starts once the incidents of the last one all wait at the approval gate.
      const viaIntake = async () => {
        await stack.quiet(timeoutMs);
        return phase(`throughput-${t.fingerprints}`, `row 4: ${t.seconds} s of alerts over ${t.fingerprints} fingerprints, ${concurrency} connections`, () =>
          measureThroughput(stack, http, { prefix: `${run}-tput-${t.fingerprints}`, ...t, concurrency, sample: sz.guaranteeSample, timeoutMs }),
        );
      };
      const atFloor = async () => {
        await stack.quiet(timeoutMs);
        return phase(`floor-${t.fingerprints}`, `row 4 floor: ${t.seconds} s of plain signalWithStart calls over ${t.fingerprints} fingerprints, ${concurrency} in flight`, () =>
          measureFloor(stack, { prefix: `${run}-floor-${t.fingerprints}`, ...t, concurrency }),
        );
      };
      let result: ThroughputResult;
      let floor: FloorResult;
      if (i % 2 === 0) {
        result = await viaIntake();
        floor = await atFloor();
      } else {
        floor = await atFloor();
        result = await viaIntake();
      }
      rows.intakeThroughput.push(withFloor(result, floor, cpuByPhase[`throughput-${t.fingerprints}`], cpuByPhase[`floor-${t.fingerprints}`]));
    }
  }
  return rows;
}

async function checks(stack: BenchStack, o: BenchOptions, cpu: CpuMeter, cpuByPhase: Record<string, CpuSplit>): Promise<Pick<BenchResults, 'keepAlive'>> {
  if (!o.phases.includes('keep-alive')) return {};
  progress('keep-alive: intake throughput with reused and with new connections, alternating 6 windows of 5 s');
  cpu.mark();
  const keepAlive = await compareKeepAlive(stack, { prefix: `${Date.now().toString(36)}-ka`, windows: 6, secondsPerWindow: 5, connections: o.connections, fingerprints: 100, timeoutMs: o.sizes.timeoutMs });
  cpuByPhase['keep-alive'] = cpu.since();
  return { keepAlive };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const cliPath = resolveTemporalCli({ install: false, explicit: readEnv().TEMPORAL_CLI });
  const machine = machineInfo(cliPath);
  const runDir = mkdtempSync(join(tmpdir(), 'medic-bench-'));
  progress(`${o.smoke ? 'smoke' : o.quick ? 'quick' : 'full'} run on ${machine.nproc} CPUs (${machine.cpuModel}), load average ${machine.loadAverageAtStart}; logs in ${runDir}`);
  const stack = await BenchStack.start({ cliPath, runDir, tuning: o.tuning, intakeLogLevel: o.intakeLogLevel, db: o.db });
  // Ctrl-C: stop the children and the dev server rather than leave them running without us.
  const interrupted = (signal: string) => {
    progress(`${signal}: stopping the workers, the intake and the dev server`);
    void stack.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  progress(`dev server at ${stack.server.address}, intake at ${stack.intakeUrl}, workers ${stack.medicWorker.pid} (medic) and ${stack.bareWorker.pid} (bare)`);
  const http = new LoadClient(stack.intakeUrl, { keepAlive: o.keepAlive, maxSockets: o.connections, token: INTAKE_TOKEN });
  const devServerPid = childrenNamed(process.pid, 'temporal')[0] ?? -1;
  const processes = () => ({
    devServer: devServerPid,
    medicWorker: stack.medicWorker.pid,
    bareWorker: stack.bareWorker.pid,
    intake: stack.intake.pid,
    loadGenerator: process.pid,
  });
  const cpu = new CpuMeter(processes);
  const cpuByPhase: Record<string, CpuSplit> = {};
  let rows: Partial<BenchRows>;
  let extra: Pick<BenchResults, 'keepAlive'>;
  try {
    rows = await measure(stack, http, o, cpu, cpuByPhase, processes);
    extra = await checks(stack, o, cpu, cpuByPhase);
  } catch (err) {
    console.error(`the bench failed; the logs of the dev server's children are in ${runDir}`);
    throw err;
  } finally {
    http.close();
    await stack.stop();
  }
  const results: BenchResults = {
    date: new Date().toISOString(),
    mode: o.smoke ? 'smoke' : o.quick ? 'quick' : 'full',
    machine,
    settings: { tuning: o.tuning, keepAlive: o.keepAlive, connections: o.connections, intakeLogLevel: o.intakeLogLevel, db: o.db },
    durationSeconds: round((performance.now() - started) / 1000, 1),
    loadAverageAtEnd: loadAverageNow(),
    rows,
    ...extra,
    cpu: cpuByPhase,
    targets: checkTargets(rows),
  };
  const table = renderTable(results);
  mkdirSync(o.outDir, { recursive: true });
  writeFileSync(join(o.outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(o.outDir, 'results.md'), table);
  if (!o.keepRunDir) rmSync(runDir, { recursive: true, force: true });
  console.log(`\n${table}`);
  progress(`wrote ${join(o.outDir, 'results.json')} and results.md`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
