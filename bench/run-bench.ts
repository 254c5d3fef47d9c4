// `npm run bench`: medic's figures against a real Temporal dev server on this machine (see
// bench/README.md). Writes results.json and results.md and prints the table.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEnv } from '../src/config/env.js';
import { resolveTemporalCli } from '../src/temporal/temporal-cli.js';
import { BARE_STEPS } from './bare-workflow.js';
import { SLEEP_MS } from './bench-routes.js';
import { parseOptions, type BenchOptions } from './bench-options.js';
import { BenchStack, INTAKE_TOKEN } from './bench-stack.js';
import { LoadClient } from './http-load.js';
import { loadAverageNow, machineInfo } from './machine-info.js';
import { compareMedicAndBare } from './measure-latency.js';
import { measureOpenIncidents } from './measure-open-incidents.js';
import { measurePlain } from './measure-plain.js';
import { measureThroughput } from './measure-throughput.js';
import { renderTable } from './render-table.js';
import { checkTargets, compare, derivePlain, type BenchResults, type BenchRows } from './results.js';
import { ratios, round } from './stats.js';

const started = performance.now();
const progress = (message: string) => console.log(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);

async function measure(stack: BenchStack, http: LoadClient, o: BenchOptions): Promise<Partial<BenchRows>> {
  const sz = o.sizes;
  const run = Date.now().toString(36);
  const rows: Partial<BenchRows> = {};
  const timeoutMs = sz.timeoutMs;

  if (o.phases.includes('latency') || o.phases.includes('overhead')) {
    progress(`warm-up: ${sz.warmup} incidents each for medic and bare`);
    await compareMedicAndBare(stack, http, { prefix: `${run}-warm`, incidents: sz.warmup, rounds: 1, pattern: { kind: 'steady', perSecond: 20 }, sleep: false, timeoutMs });
  }
  if (o.phases.includes('latency')) {
    progress(`rows 1-3: ${sz.steady.incidents} incidents each at ${sz.steady.perSecond}/s, medic and bare alternating in ${sz.steady.rounds} rounds`);
    const steady = await compareMedicAndBare(stack, http, { prefix: `${run}-steady`, incidents: sz.steady.incidents, rounds: sz.steady.rounds, pattern: { kind: 'steady', perSecond: sz.steady.perSecond }, sleep: false, timeoutMs, breakdownSample: sz.breakdownSample });
    progress(`rows 1-2: bursts of ${sz.burst.size} alerts at once (${sz.burst.rounds} each)`);
    const burst = await compareMedicAndBare(stack, http, { prefix: `${run}-burst`, incidents: sz.burst.size * sz.burst.rounds, rounds: sz.burst.rounds, pattern: { kind: 'burst', concurrency: o.connections }, sleep: false, timeoutMs });
    rows.alertToFirstAction = { steady: { ...steady.medic, perSecond: sz.steady.perSecond }, burst: { ...burst.medic, burstSize: sz.burst.size } };
    rows.bareFloor = {
      steady: steady.bare,
      burst: burst.bare,
      ratio: { steady: compare(steady.medic, steady.bare), burst: compare(burst.medic, burst.bare), endToEndSteady: ratios(steady.medic.endToEndMs, steady.bare.endToEndMs) },
    };
    progress(`row 3: ${sz.plain} incidents as plain async calls`);
    rows.plainBaseline = derivePlain(await measurePlain(sz.plain), steady.medic, steady.bare);
  }
  if (o.phases.includes('overhead')) {
    progress(`row 6: ${sz.overhead.incidents} incidents each at ${sz.overhead.perSecond}/s, every activity sleeping ${SLEEP_MS} ms`);
    const slept = await compareMedicAndBare(stack, http, { prefix: `${run}-sleep`, incidents: sz.overhead.incidents, rounds: sz.overhead.rounds, pattern: { kind: 'steady', perSecond: sz.overhead.perSecond }, sleep: true, timeoutMs });
    rows.stepOverhead = {
      sleepMs: SLEEP_MS,
      steps: BARE_STEPS.length,
      medic: slept.medic.overheadPerStepMs,
      bare: slept.bare.overheadPerStepMs,
      medicOverBareP50: round(slept.medic.overheadPerStepMs.p50 / slept.bare.overheadPerStepMs.p50),
    };
  }
  if (o.phases.includes('open')) {
    progress(`row 5: ${sz.open.incidents} incidents waiting for approval in a fresh worker, then approve them all`);
    rows.openIncidents = await measureOpenIncidents(stack, http, { prefix: `${run}-open`, incidents: sz.open.incidents, concurrency: sz.open.concurrency, timeoutMs });
  }
  if (o.phases.includes('throughput')) {
    // Last: it leaves many incidents open, which would weigh on the other measurements.
    rows.intakeThroughput = [];
    for (const t of sz.throughput) {
      progress(`row 4: ${t.alerts} alerts over ${t.fingerprints} fingerprints, ${sz.throughputConcurrency} connections`);
      rows.intakeThroughput.push(
        await measureThroughput(stack, http, { prefix: `${run}-tput-${t.fingerprints}`, ...t, concurrency: sz.throughputConcurrency, sample: sz.guaranteeSample, timeoutMs }),
      );
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const cliPath = resolveTemporalCli({ install: false, explicit: readEnv().TEMPORAL_CLI });
  const machine = machineInfo(cliPath);
  const runDir = mkdtempSync(join(tmpdir(), 'medic-bench-'));
  progress(`${o.smoke ? 'smoke' : 'full'} run on ${machine.nproc} CPUs (${machine.cpuModel}), load average ${machine.loadAverageAtStart}; logs in ${runDir}`);
  const stack = await BenchStack.start({ cliPath, runDir, tuning: o.tuning, intakeLogLevel: o.intakeLogLevel, db: o.db });
  progress(`dev server at ${stack.server.address}, intake at ${stack.intakeUrl}, workers ${stack.medicWorker.pid} (medic) and ${stack.bareWorker.pid} (bare)`);
  const http = new LoadClient(stack.intakeUrl, { keepAlive: o.keepAlive, maxSockets: o.connections, token: INTAKE_TOKEN });
  let rows: Partial<BenchRows>;
  try {
    rows = await measure(stack, http, o);
  } catch (err) {
    console.error(`the bench failed; the logs of the dev server's children are in ${runDir}`);
    throw err;
  } finally {
    http.close();
    await stack.stop();
  }
  const results: BenchResults = {
    date: new Date().toISOString(),
    mode: o.smoke ? 'smoke' : 'full',
    machine,
    settings: { tuning: o.tuning, keepAlive: o.keepAlive, connections: o.connections, intakeLogLevel: o.intakeLogLevel, db: o.db },
    durationSeconds: round((performance.now() - started) / 1000, 1),
    loadAverageAtEnd: loadAverageNow(),
    rows,
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
