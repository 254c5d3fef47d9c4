import { incidentWorkflowId } from '../workflows/definitions.js';
import { BENCH_ALERTS, alertmanagerBody } from './bench-routes.js';
import type { BenchStack } from './bench-stack.js';
import { withConcurrency, type Answer, type LoadClient } from './http-load.js';
import { distribution, round, type Distribution } from './stats.js';

// Row 4: alerts per second the intake accepts (202: Temporal has recorded the signal), with
// dedup on: each alert is for a fingerprint drawn at random from a fixed set, so alerts for a
// fingerprint already seen join its open incident. Incidents wait at an approval gate: they stay open.

export interface ThroughputResult {
  fingerprints: number;
  /** Alerts sent in the window. */
  alerts: number;
  /** Requests in flight at once (keep-alive connections). */
  concurrency: number;
  seconds: number;
  /** 202 answers per second, first alert sent -> last answer. */
  alertsPerSecond: number;
  /** Answers other than 202 (503: Temporal did not record in time): not counted as accepted. */
  refused: number;
  opened: number;
  deduplicated: number;
  answerMs: Distribution;
  /**
   * For a sample of incidents, their histories hold at least as many `alert` signals as the
   * intake answered 202 for that fingerprint: no 202 without a recorded signal.
   */
  guarantee: { sampled: number; short: number; holds: boolean };
}

const ALERT_SIGNAL = 'alert';

async function recordedAlerts(stack: BenchStack, fingerprint: string): Promise<number> {
  const history = await stack.client.workflow.getHandle(incidentWorkflowId(fingerprint)).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === ALERT_SIGNAL).length;
}

async function checkGuarantee(stack: BenchStack, accepted: Map<string, number>, sample: number, timeoutMs: number): Promise<ThroughputResult['guarantee']> {
  const fps = [...accepted.keys()];
  const step = Math.max(1, Math.floor(fps.length / sample));
  let short = fps.filter((_, i) => i % step === 0).slice(0, sample);
  const sampled = short.length;
  // A signal that arrives while the incident's workflow task runs is recorded at once but shown in
  // the history only once that task completes: look again at the ones short, within a bound.
  const deadline = Date.now() + timeoutMs;
  while (short.length > 0 && Date.now() < deadline) {
    const recorded = await withConcurrency(short.length, 8, (i) => recordedAlerts(stack, short[i] as string).catch(() => -1));
    short = short.filter((fp, i) => (recorded[i] as number) < (accepted.get(fp) ?? 0));
    if (short.length > 0) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { sampled, short: short.length, holds: short.length === 0 };
}

/** A small deterministic generator (mulberry32): the same draw of fingerprints on every run. */
export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function measureThroughput(
  stack: BenchStack,
  http: LoadClient,
  o: { prefix: string; fingerprints: number; seconds: number; concurrency: number; sample: number; timeoutMs: number },
): Promise<ThroughputResult> {
  const accepted = new Map<string, number>();
  const sentPer = new Map<string, number>();
  const next = random(o.fingerprints);
  let opened = 0;
  let deduplicated = 0;
  const answers: (Answer | undefined)[] = [];
  const started = performance.now();
  const deadline = started + o.seconds * 1000;
  // Closed loop for a fixed time: each connection sends its next alert once the last is answered.
  const lane = async () => {
    while (performance.now() < deadline) {
      const fp = `${o.prefix}-${Math.floor(next() * o.fingerprints)}`;
      // Each alert of a fingerprint is a new episode (startsAt), so it is a distinct notification.
      const episode = sentPer.get(fp) ?? 0;
      sentPer.set(fp, episode + 1);
      const answer = await http.post('/v1/signals/alertmanager', alertmanagerBody(BENCH_ALERTS.approval, fp, episode)).catch(() => undefined);
      answers.push(answer);
      if (answer?.status !== 202) continue;
      accepted.set(fp, (accepted.get(fp) ?? 0) + 1);
      const outcome = (JSON.parse(answer.body) as { results?: { outcome?: string }[] }).results?.[0]?.outcome;
      if (outcome === 'opened') opened++;
      if (outcome === 'deduplicated') deduplicated++;
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, lane));
  const seconds = (performance.now() - started) / 1000;
  const ok = answers.filter((a): a is Answer => a?.status === 202);
  return {
    fingerprints: o.fingerprints,
    alerts: answers.length,
    concurrency: o.concurrency,
    seconds: round(seconds, 2),
    alertsPerSecond: round(ok.length / seconds, 1),
    refused: answers.length - ok.length,
    opened,
    deduplicated,
    answerMs: distribution(ok.map((a) => a.answeredMs - a.sentMs)),
    guarantee: await checkGuarantee(stack, accepted, o.sample, Math.min(o.timeoutMs, 30_000)),
  };
}
