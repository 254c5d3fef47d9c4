import type { LatencyResult } from './measure-latency.js';
import type { KindCpu } from './measure-cpu-per-incident.js';
import type { KindSearch } from './measure-rate-search.js';
import type { RateStep } from './rate-search-steps.js';
import { RATIO_GOALS, type BenchResults, type IntakeThroughput, type Ratios, type TargetCheck } from './results.js';
import type { Distribution } from './stats.js';

const n = (v: number) => v.toLocaleString('en', { maximumFractionDigits: 2 });
const pcts = (d: Distribution) => `p50 ${n(d.p50)} · p95 ${n(d.p95)} · p99 ${n(d.p99)} ms`;
const ratio = (r: Ratios) => `${n(r.p50)}× / ${n(r.p95)}× / ${n(r.p99)}×`;
const failed = (r: LatencyResult) => (r.failures > 0 ? ` (**${r.failures} failed**)` : '');
const breakdown = (r: LatencyResult) =>
  r.breakdown === undefined
    ? ''
    : `<br>where it goes (medians of ${r.breakdown.sampled} histories): to started ${n(r.breakdown.toStartedMs)} · first workflow task ${n(r.breakdown.firstTaskMs)} · until the first step is scheduled ${n(r.breakdown.beforeFirstStepMs)} (${n(r.breakdown.workflowTasksBefore)} workflow tasks, ${n(r.breakdown.localActivitiesBefore)} local activities, ${n(r.breakdown.signalsBefore)} signals) · dispatch ${n(r.breakdown.dispatchMs)} ms`;
const floorCell = (x: IntakeThroughput) =>
  x.floor === undefined
    ? ''
    : `<br>floor, plain signalWithStart from one client, ${x.floor.concurrency} in flight: ${n(x.floor.callsPerSecond)} calls/s (${n(x.floor.calls)} in ${n(x.floor.seconds)} s, ${x.floor.failed} failed; ${pcts(x.floor.answerMs)}${x.floorClientCpuMsPerCall !== undefined ? `; client CPU ${n(x.floorClientCpuMsPerCall)} ms/call` : ''}) → **intake / floor ${n(x.intakeOverFloor ?? 0)}**`;
const load = (l: { start: number; end: number }) => `load average ${n(l.start)} → ${n(l.end)}`;
const kindCpu = (k: KindCpu) =>
  `server ${n(k.serverMs)} + worker ${n(k.workerMs)} = **${n(k.totalMs)} ms** per incident (${n(k.incidents)} incidents in ${n(k.wallSeconds)} s${k.failures > 0 ? `, **${k.failures} failed**` : ''})`;
const step = (s: RateStep) => `${n(s.rate)}/s ${s.p99Ms === null ? `> 1 s (${s.late} late)` : `${n(s.p99Ms)} ms`}${s.stoppedEarly ? ' (stopped early)' : ''} ${s.pass ? '✓' : '✗'}`;
const search = (k: KindSearch) =>
  `**${n(k.highestPassingRate)}/s**${k.lowestFailingRate === undefined ? ' (or more: no rate tried failed)' : ` (${n(k.lowestFailingRate)}/s failed)`}; p99 per step: ${k.steps.map(step).join(', ')}`;
const verdict = (checks: TargetCheck[]) => (checks.length === 0 ? '' : checks.every((c) => c.pass) ? 'pass' : '**fail**');

/** The results as a markdown page: the three ratios, the nine rows with targets and verdicts, then the machine. */
export function renderTable(r: BenchResults): string {
  const { alertToFirstAction: a, bareFloor: b, plainBaseline: p, intakeThroughput: t, openIncidents: o, stepOverhead: s, lightRatio: l, cpuPerIncident: c, rateSearch: q } = r.rows;
  const target = (prefix: string) => r.targets.filter((c) => c.name.startsWith(prefix));
  const notRun = 'not run (--only)';
  const rows: string[][] = [
    a === undefined ? ['1', 'alert → first action', notRun, 'p99 < 100 ms at 50 alerts/s', ''] : [
      '1',
      `alert → first action (intake receives the alert → first activity starts)`,
      `steady ${a.steady.perSecond}/s, ${n(a.steady.incidents)} incidents: ${pcts(a.steady.firstActionMs)}${failed(a.steady)}${breakdown(a.steady)}<br>light ${a.light.perSecond}/s (no queue), ${n(a.light.incidents)} incidents: ${pcts(a.light.firstActionMs)}${failed(a.light)}${breakdown(a.light)}<br>burst of ${n(a.burst.burstSize)}: ${pcts(a.burst.firstActionMs)}${failed(a.burst)}<br>intake 202: steady ${pcts(a.steady.answerMs ?? a.steady.firstActionMs)}, light ${pcts(a.light.answerMs ?? a.light.firstActionMs)}`,
      'p99 < 100 ms at 50 alerts/s',
      verdict(target('alert-to-first-action')),
    ],
    b === undefined ? ['2', 'floor: bare workflow', notRun, 'medic / bare < 1.3', ''] : [
      '2',
      'floor: bare workflow by signalWithStart, same activities, no medic',
      `steady: ${pcts(b.steady.firstActionMs)}${failed(b.steady)}${breakdown(b.steady)}<br>light: ${pcts(b.light.firstActionMs)}${failed(b.light)}${breakdown(b.light)}<br>burst: ${pcts(b.burst.firstActionMs)}${failed(b.burst)}<br>**medic / bare** p50 / p95 / p99: steady ${ratio(b.ratio.steady)}; light ${ratio(b.ratio.light)}; burst ${ratio(b.ratio.burst)}; alert → done (steady) ${ratio(b.ratio.endToEndSteady)}`,
      'medic / bare < 1.3 (p50, steady)',
      verdict(target('medic / bare, alert-to-first-action p50 (steady)')),
    ],
    p === undefined ? ['3', 'non-durable baseline', notRun, '—', ''] : [
      '3',
      'non-durable baseline: the same steps as plain async calls in one process',
      `plain ${n(p.perStepMicros)} µs/step; medic ${n(p.medicPerStepMs)} ms/step, bare Temporal ${n(p.barePerStepMs)} ms/step (alert → done ÷ ${p.steps}, p50 of the light run)<br>**ratio** medic / plain ${n(p.medicOverPlain)}×, bare / plain ${n(p.bareOverPlain)}×; price of durability ≈ ${n(p.priceOfDurabilityMsPerStep)} ms per step`,
      '—',
      '',
    ],
    t === undefined ? ['4', 'intake throughput', notRun, '≥ 1,000 alerts/s on 2 cores', ''] : [
      '4',
      'intake throughput, dedup on, 202 only after Temporal recorded',
      t
        .map(
          (x) =>
            `${n(x.fingerprints)} fingerprints: **${n(x.alertsPerSecond)} alerts/s** (${n(x.alerts)} alerts in ${n(x.seconds)} s, ${x.concurrency} connections, ${n(x.opened)} opened + ${n(x.deduplicated)} joined, ${x.refused} refused; 202 ${pcts(x.answerMs)}; recorded ≥ accepted in ${x.guarantee.sampled - x.guarantee.short}/${x.guarantee.sampled} sampled incidents${x.intakeCpuMsPerAlert !== undefined ? `; intake CPU ${n(x.intakeCpuMsPerAlert)} ms/alert` : ''})${floorCell(x)}`,
        )
        .join('<br>'),
      '≥ 1,000 alerts/s on 2 cores; intake / floor ≥ 0.85',
      verdict([...target('intake alerts/s'), ...target('intake / floor')]),
    ],
    o === undefined ? ['5', 'open incidents waiting for approval', notRun, '< 1 GiB RSS for 1,000', ''] : [
      '5',
      `${n(o.incidents)} open incidents waiting for approval`,
      `worker RSS **${n(o.workerRssMiB.open)} MiB** (idle ${n(o.workerRssMiB.idle)}, peak ${n(o.workerRssMiB.peak)}); all opened and waiting in ${n(o.openSeconds)} s; **approve all in ${n(o.approveAllSeconds)} s**, all recovered in ${n(o.allRecoveredSeconds)} s${o.failures > 0 ? ` (**${o.failures} failed**)` : ''}`,
      '< 1 GiB RSS for 1,000',
      verdict(target('worker RSS')),
    ],
    s === undefined ? ['6', 'orchestration overhead per step', notRun, '—', ''] : [
      '6',
      `orchestration overhead per step ((alert → last step done − Σ activity time) ÷ ${s.steps}; activities sleep ${s.sleepMs} ms)`,
      `medic ${pcts(s.medic)}<br>bare ${pcts(s.bare)}; medic / bare p50 ${n(s.medicOverBareP50)}×`,
      '—',
      '',
    ],
    l === undefined ? ['7', 'medic / bare, alert → first action at light load', notRun, `≤ ${RATIO_GOALS.light}`, ''] : [
      '7',
      `medic / bare, alert → first action at light load (${n(l.perSecond)}/s, no queue; the light run of rows 1-2)`,
      `**p50 ${n(l.ratio.p50)}× · p99 ${n(l.ratio.p99)}×** (medic p50 ${n(l.medicMs.p50)} · p99 ${n(l.medicMs.p99)} ms, ${n(l.incidents.medic)} incidents; bare p50 ${n(l.bareMs.p50)} · p99 ${n(l.bareMs.p99)} ms, ${n(l.incidents.bare)}); ${load(l.loadAverage)}`,
      `≤ ${RATIO_GOALS.light} (p50 and p99)`,
      verdict(target('ratio: medic / bare, alert-to-first-action')),
    ],
    c === undefined ? ['8', 'medic / bare, CPU per incident', notRun, `≤ ${RATIO_GOALS.cpu}`, ''] : [
      '8',
      `medic / bare, CPU per incident: dev server + the worker serving it (phases of one kind only, ${n(c.perPhase)} incidents at ${n(c.perSecond)}/s each: medic, bare, bare, medic; each to its end)`,
      `medic ${kindCpu(c.medic)}<br>bare ${kindCpu(c.bare)}<br>**medic / bare ${n(c.medicOverBare)}×**; the intake, apart (bare has none, so it is not in the ratio): ${n(c.intakeMsPerMedicIncident)} ms per medic incident<br>idle, with no incident (in the figures above, not subtracted): server ${n(c.idleMsPerSecond.server)}, medic worker ${n(c.idleMsPerSecond.medicWorker)}, bare worker ${n(c.idleMsPerSecond.bareWorker)} CPU ms per second; with it taken out, medic ${n(c.medic.totalNetOfIdleMs)} / bare ${n(c.bare.totalNetOfIdleMs)} ms = ${n(c.medicOverBareNetOfIdle)}×; ${load(c.loadAverage)}`,
      `≤ ${RATIO_GOALS.cpu}`,
      verdict(target('ratio: medic / bare, CPU')),
    ],
    q === undefined ? ['9', 'medic / bare, highest alert rate with first-action p99 < 1 s', notRun, `≥ ${RATIO_GOALS.rate}`, ''] : [
      '9',
      `medic / bare, highest steady alert rate with first-action p99 < ${n(q.limitMs / 1000)} s (${n(q.stepSeconds)} s of alerts a step; doubling, then bisection; medic and bare taking turns)`,
      `medic ${search(q.medic)}<br>bare ${search(q.bare)}<br>**medic / bare ${q.medicOverBare === null ? 'n/a (bare passed no rate)' : `${n(q.medicOverBare)}×`}**${q.stoppedByBudget ? ' (the time budget ended the search)' : ''}; ${n(q.seconds)} s; ${load(q.loadAverage)}`,
      `≥ ${RATIO_GOALS.rate}`,
      verdict(target('ratio: medic / bare, highest')),
    ],
  ];
  const m = r.machine;
  const tuning = Object.entries(r.settings.tuning).map(([k, v]) => `${k}=${String(v)}`).join(', ') || 'medic defaults';
  return [
    `# medic benchmark (${r.mode}${r.mode === 'smoke' ? ': proves the harness, not the numbers' : r.mode === 'quick' ? ': fewer incidents, for comparing tunings' : ''})`,
    '',
    `${r.date} · ${m.nproc} CPUs (${m.cpuModel}) · ${n(m.memoryGiB)} GiB · Node ${m.node} · ${m.temporalCli} · load average ${n(m.loadAverageAtStart)} at start, ${n(r.loadAverageAtEnd)} at end · ${n(r.durationSeconds)} s`,
    '',
    ...ratioSummary(r),
    '| # | measurement | result | target | verdict |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
    '',
    `Worker: ${tuning}; load generator: ${r.settings.connections} ${r.settings.keepAlive ? 'keep-alive' : 'new-per-request'} HTTP connections; intake log level ${r.settings.intakeLogLevel}; dev server store: SQLite ${r.settings.db === 'file' ? 'file' : 'in memory'}.`,
    '',
    ...(r.keepAlive === undefined
      ? []
      : [
          `Keep-alive check (${r.keepAlive.windows} alternating windows of ${r.keepAlive.secondsPerWindow} s each): reused connections ${n(r.keepAlive.keepAlivePerSecond)} alerts/s (202 p50 per window ${r.keepAlive.keepAliveAnswerP50Ms.map(n).join(', ')} ms), a new connection per alert ${n(r.keepAlive.newConnectionPerSecond)} alerts/s (${r.keepAlive.newConnectionAnswerP50Ms.map(n).join(', ')} ms).`,
          '',
        ]),
    ...cpuTable(r.cpu),
    '| target | measured | verdict |',
    '| --- | --- | --- |',
    ...r.targets.map((c) => `| ${c.name}: ${c.target} | ${n(c.measured)} ${c.unit} | ${c.pass ? 'pass' : '**fail**'} |`),
    '',
  ].join('\n');
}

/** Rows 7-9 at a glance, first: the three medic / bare ratios, their goals, and the load they were measured under. */
function ratioSummary(r: BenchResults): string[] {
  const { lightRatio: l, cpuPerIncident: c, rateSearch: q } = r.rows;
  const goal = (prefix: string) => r.targets.find((t) => t.name.startsWith(`ratio: medic / bare, ${prefix}`));
  const line = (what: string, measured: string, target: string, checks: (TargetCheck | undefined)[], phase: { start: number; end: number }) =>
    `| ${what} | ${measured} | ${target} | ${checks.every((x) => x?.pass === true) ? 'met' : '**not met**'} | ${n(phase.start)} → ${n(phase.end)} |`;
  const lines = [
    ...(l === undefined ? [] : [line(`alert → first action at ${n(l.perSecond)}/s (light), p50 · p99`, `${n(l.ratio.p50)}× · ${n(l.ratio.p99)}×`, `≤ ${RATIO_GOALS.light} both`, [goal('alert-to-first-action p50'), goal('alert-to-first-action p99')], l.loadAverage)]),
    ...(c === undefined ? [] : [line('CPU per incident, dev server + worker', `${n(c.medicOverBare)}× (${n(c.medic.totalMs)} / ${n(c.bare.totalMs)} ms)`, `≤ ${RATIO_GOALS.cpu}`, [goal('CPU')], c.loadAverage)]),
    ...(q === undefined
      ? []
      : [line(`highest alert rate with first-action p99 < ${n(q.limitMs / 1000)} s`, q.medicOverBare === null ? 'n/a (bare passed no rate)' : `${n(q.medicOverBare)}× (${n(q.medic.highestPassingRate)} / ${n(q.bare.highestPassingRate)} per s)`, `≥ ${RATIO_GOALS.rate}`, [goal('highest')], q.loadAverage)]),
  ];
  if (lines.length === 0) return [];
  return [
    `**medic / bare** (rows 7-9), measured in this run; the run's load average: ${n(r.machine.loadAverageAtStart)} at start, ${n(r.loadAverageAtEnd)} at end`,
    '',
    '| ratio | measured (medic / bare) | goal | verdict | load average over its phase |',
    '| --- | --- | --- | --- | --- |',
    ...lines,
    '',
  ];
}

/** CPU seconds per process and phase: where the two cores went. */
function cpuTable(cpu: BenchResults['cpu']): string[] {
  const phases = Object.entries(cpu);
  if (phases.length === 0) return [];
  const names = Object.keys(phases[0]?.[1] ?? {}).filter((k) => k !== 'wallSeconds');
  return [
    `| phase (CPU seconds) | wall s | ${names.join(' | ')} |`,
    `| --- | --- | ${names.map(() => '---').join(' | ')} |`,
    ...phases.map(([phase, split]) => `| ${phase} | ${n(split['wallSeconds'] ?? 0)} | ${names.map((k) => n(split[k] ?? 0)).join(' | ')} |`),
    '',
  ];
}
