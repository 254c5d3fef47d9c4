import { BARE_STEPS } from './bare-workflow.js';
import type { BenchStack } from './bench-stack.js';
import { atSteadyRate, withConcurrency, type LoadClient } from './http-load.js';
import { firstActionBreakdown, type FirstActionBreakdown } from './first-action-breakdown.js';
import { sendIncident, type Kind, type Sent } from './send-incident.js';
import { distribution, round, wallClockMs, type Distribution } from './stats.js';

// Rows 1, 2, 6 and 7: alert -> first activity, and alert -> last activity minus the activities'
// own time, for medic (through the intake) and the bare floor (signalWithStart, no medic).

export type Pattern = { kind: 'steady'; perSecond: number } | { kind: 'burst'; concurrency: number };
export type { Kind } from './send-incident.js';

export interface LatencyResult {
  kind: Kind;
  incidents: number;
  /** Alert sent -> first activity (isolate) begins, inside the worker. */
  firstActionMs: Distribution;
  /** Alert sent -> last activity (rejoin) returns. */
  endToEndMs: Distribution;
  /** (end to end - sum of the activities' own durations) / steps. */
  overheadPerStepMs: Distribution;
  /** medic only: alert sent -> the intake's 202 (Temporal has recorded the signal). */
  answerMs?: Distribution;
  /** Alerts refused (non-202) or incidents that did not finish in time: excluded from the figures. */
  failures: number;
  /** Where the time to the first action went, from the histories of a sample. */
  breakdown?: FirstActionBreakdown;
}

const STEPS = BARE_STEPS.length;

/** Send one chunk of alerts in a pattern; returns when every request has been answered. */
export async function sendChunk(stack: BenchStack, http: LoadClient, kind: Kind, fingerprints: string[], pattern: Pattern, sleep: boolean): Promise<Sent[]> {
  const send = (fp: string, sentMs: number) => sendIncident(stack, http, kind, fp, sleep, sentMs);
  if (pattern.kind === 'steady') return atSteadyRate(fingerprints.length, pattern.perSecond, (i) => send(fingerprints[i] as string, wallClockMs()));
  // A burst: every alert is raised at the same instant; the client then sends them over at most
  // `concurrency` connections (medic: the HTTP agent's sockets; bare: calls in flight).
  const at = wallClockMs();
  const lanes = kind === 'medic' ? fingerprints.length : pattern.concurrency;
  return withConcurrency(fingerprints.length, lanes, (i) => send(fingerprints[i] as string, at));
}

async function summarise(stack: BenchStack, kind: Kind, sent: Sent[], breakdownSample: number): Promise<LatencyResult> {
  const first: number[] = [];
  const e2e: number[] = [];
  const overhead: number[] = [];
  const answers: number[] = [];
  let failures = 0;
  const finished: { workflowId: string; sentMs: number; firstActionMs: number }[] = [];
  for (const s of sent) {
    const timings = stack.timings.of(s.workflowId);
    const isolate = timings.find((t) => t.activity === 'isolate');
    const rejoin = timings.find((t) => t.activity === 'rejoin');
    if (!s.ok || isolate === undefined || rejoin === undefined) {
      failures++;
      continue;
    }
    const busy = timings.reduce((sum, t) => sum + (t.endMs - t.startMs), 0);
    first.push(isolate.startMs - s.sentMs);
    finished.push({ workflowId: s.workflowId, sentMs: s.sentMs, firstActionMs: isolate.startMs });
    e2e.push(rejoin.endMs - s.sentMs);
    overhead.push((rejoin.endMs - s.sentMs - busy) / STEPS);
    if (s.answeredMs !== undefined) answers.push(s.answeredMs - s.sentMs);
  }
  return {
    kind,
    incidents: first.length,
    firstActionMs: distribution(first),
    endToEndMs: distribution(e2e),
    overheadPerStepMs: distribution(overhead),
    ...(kind === 'medic' && { answerMs: distribution(answers) }),
    failures,
    ...(breakdownSample > 0 && finished.length > 0 && { breakdown: await firstActionBreakdown(stack, evenly(finished, breakdownSample)) }),
  };
}

/** `n` items spread evenly over the list (every round and both ends of a burst). */
function evenly<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)] as T);
}

export interface ComparisonOptions {
  /** Unique per run and phase: fingerprints (and so workflow ids) never repeat. */
  prefix: string;
  incidents: number;
  /** medic and bare alternate in this many chunks, so background noise hits both alike. */
  rounds: number;
  pattern: Pattern;
  /** Activities sleep SLEEP_MS each (orchestration overhead) instead of returning at once. */
  sleep: boolean;
  timeoutMs: number;
  /** Incidents of each kind whose histories are read for a breakdown of the first action (0: none). */
  breakdownSample?: number;
}

/** medic and bare under the same pattern, in alternating chunks; each chunk runs to completion. */
export async function compareMedicAndBare(stack: BenchStack, http: LoadClient, o: ComparisonOptions): Promise<{ medic: LatencyResult; bare: LatencyResult; seconds: number }> {
  const started = performance.now();
  const sent: Record<Kind, Sent[]> = { medic: [], bare: [] };
  const perRound = Math.ceil(o.incidents / o.rounds);
  for (let r = 0; r < o.rounds; r++) {
    for (const kind of ['medic', 'bare'] as const) {
      const n = Math.min(perRound, o.incidents - r * perRound);
      const fps = Array.from({ length: n }, (_, i) => `${o.prefix}-${kind}-${r}-${i}`);
      const chunk = await sendChunk(stack, http, kind, fps, o.pattern, o.sleep);
      await stack.timings.waitFor(chunk.filter((s) => s.ok).map((s) => s.workflowId), 'rejoin', o.timeoutMs);
      await stack.settle(o.timeoutMs);
      sent[kind].push(...chunk);
    }
  }
  const sample = o.breakdownSample ?? 0;
  return {
    medic: await summarise(stack, 'medic', sent.medic, sample),
    bare: await summarise(stack, 'bare', sent.bare, sample),
    seconds: round((performance.now() - started) / 1000, 1),
  };
}
