import { incidentWorkflowId, stateQuery } from '../workflows/definitions.js';
import { BENCH_ALERTS, alertmanagerBody } from './bench-routes.js';
import type { BenchStack } from './bench-stack.js';
import { withConcurrency, type LoadClient } from './http-load.js';
import { distribution, round, type Distribution } from './stats.js';

// Row 4: alerts per second the intake accepts (202: Temporal has recorded the signal), with
// dedup on: alerts cycle over a set of fingerprints, so after the first round every alert joins
// the incident already open for its fingerprint. Incidents wait at an approval gate, so they stay open.

export interface ThroughputResult {
  fingerprints: number;
  alerts: number;
  /** Requests in flight at once (keep-alive connections). */
  concurrency: number;
  seconds: number;
  /** 202 answers per second, over the whole run (first alert sent -> last answer). */
  alertsPerSecond: number;
  /** Answers other than 202 (503: Temporal did not record in time): not counted as accepted. */
  refused: number;
  opened: number;
  deduplicated: number;
  answerMs: Distribution;
  /** Each sampled incident has recorded at least as many signals as the intake answered 202 for. */
  guarantee: { sampled: number; short: number; holds: boolean };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sampled incidents: recorded signals (state query) >= 202 answers for that fingerprint. */
async function checkGuarantee(stack: BenchStack, accepted: Map<string, number>, sample: number, timeoutMs: number): Promise<ThroughputResult['guarantee']> {
  const fps = [...accepted.keys()];
  const step = Math.max(1, Math.floor(fps.length / sample));
  const picked = fps.filter((_, i) => i % step === 0).slice(0, sample);
  const deadline = Date.now() + timeoutMs;
  let short = picked.length;
  // Signals are recorded at once, but the workflow counts them only once its worker has run the
  // task that delivers them: poll until the counts agree, within a bound.
  while (Date.now() < deadline) {
    const recorded = await withConcurrency(picked.length, 16, (i) =>
      stack.client.workflow.getHandle(incidentWorkflowId(picked[i] as string)).query(stateQuery).then((s) => s.signals, () => -1),
    );
    short = picked.filter((fp, i) => (recorded[i] as number) < (accepted.get(fp) ?? 0)).length;
    if (short === 0) break;
    await sleep(500);
  }
  return { sampled: picked.length, short, holds: short === 0 };
}

export async function measureThroughput(
  stack: BenchStack,
  http: LoadClient,
  o: { prefix: string; fingerprints: number; alerts: number; concurrency: number; sample: number; timeoutMs: number },
): Promise<ThroughputResult> {
  const accepted = new Map<string, number>();
  let opened = 0;
  let deduplicated = 0;
  const started = performance.now();
  const answers = await withConcurrency(o.alerts, o.concurrency, async (i) => {
    const fp = `${o.prefix}-${i % o.fingerprints}`;
    const answer = await http.post('/v1/signals/alertmanager', alertmanagerBody(BENCH_ALERTS.approval, fp, Math.floor(i / o.fingerprints))).catch(() => undefined);
    if (answer?.status === 202) {
      accepted.set(fp, (accepted.get(fp) ?? 0) + 1);
      const outcome = (JSON.parse(answer.body) as { results?: { outcome?: string }[] }).results?.[0]?.outcome;
      if (outcome === 'opened') opened++;
      if (outcome === 'deduplicated') deduplicated++;
    }
    return answer;
  });
  const seconds = (performance.now() - started) / 1000;
  const ok = answers.filter((a) => a?.status === 202);
  return {
    fingerprints: o.fingerprints,
    alerts: o.alerts,
    concurrency: o.concurrency,
    seconds: round(seconds, 2),
    alertsPerSecond: round(ok.length / seconds, 1),
    refused: o.alerts - ok.length,
    opened,
    deduplicated,
    answerMs: distribution(ok.map((a) => (a?.answeredMs ?? 0) - (a?.sentMs ?? 0))),
    guarantee: await checkGuarantee(stack, accepted, o.sample, o.timeoutMs),
  };
}
