import type { Logger } from 'pino';
import type { MedicConfig } from '../config/config-schema.js';
import type { Delivery } from '../incidents/open-incident.js';
import { routeSignal, type RoutedSignal } from '../routing/route-signal.js';
import type { Signal } from '../signals/signal-schema.js';
import { incidentWorkflowId } from '../../workflows/definitions.js';
import type { DeadLetters } from './dead-letters.js';
import { IntakeError } from './intake-error.js';
import type { IntakeMetrics, SignalOutcome } from './metrics.js';
import { permanentRefusal, type PermanentRefusal } from './permanent-refusal.js';
import type { RequestDeadline } from './request-deadline.js';
import { NotAttempted, settleAll, type SettleProgress } from './settle-all.js';

/** Hands one signal to Temporal; resolves only once Temporal has recorded it. */
export interface Deliverer {
  firing(signal: Signal, route: RoutedSignal): Promise<Delivery>;
  resolved(signal: Signal): Promise<Delivery>;
}

/** What the intake answers about one signal of an accepted request. */
export interface SignalResult {
  signalId: string;
  fingerprint: string;
  status: Signal['status'];
  outcome: Exclude<SignalOutcome, 'failed'>;
  incidentId?: string;
  playbook?: string;
  target?: string;
  route?: string;
  reason?: string;
}

export interface AcceptContext {
  config: MedicConfig;
  deliverer: Deliverer;
  metrics: IntakeMetrics;
  logger: Logger;
  /** Where signals Temporal refuses for good are kept (answered 202 as `dead-lettered`). */
  deadLetters: DeadLetters;
  /** At most this many signals of one request are in flight to Temporal at once. */
  concurrency?: number;
}

type Planned = { signal: Signal; route?: RoutedSignal; unrouted?: string };

/** Route every signal first (pure, cannot fail halfway), so a request is refused or planned whole. */
function plan(config: MedicConfig, signals: Signal[]): Planned[] {
  return signals.map((signal) => {
    // A resolution goes to the incident that is open, whatever the routes say now.
    if (signal.status === 'resolved') return { signal };
    const decision = routeSignal(config, signal);
    return decision.routed ? { signal, route: decision.decision } : { signal, unrouted: decision.reason };
  });
}

/** Log fields of one signal (plain fields, not a child logger: one is made per alert). */
function about(signal: Signal) {
  return { signalId: signal.id, fingerprint: signal.fingerprint, source: signal.source, alertname: signal.alertname };
}

async function deliverOne(ctx: AcceptContext, p: Planned): Promise<SignalResult> {
  const { signal } = p;
  const base = { signalId: signal.id, fingerprint: signal.fingerprint, status: signal.status };
  if (p.unrouted !== undefined) {
    ctx.logger.warn({ ...about(signal), reason: p.unrouted, labels: signal.labels }, 'signal unrouted: no route matches; nothing was started. To fix: add a route or a defaultRoute to the configuration');
    return { ...base, outcome: 'unrouted', reason: p.unrouted };
  }
  // Refused for good before: the record stands, and Temporal would refuse it again.
  const dead = ctx.deadLetters.find(signal);
  if (dead !== undefined) return { ...base, outcome: 'dead-lettered', incidentId: dead.incidentId, reason: dead.reason };
  try {
    return await deliverToTemporal(ctx, p, base);
  } catch (err) {
    const refusal = permanentRefusal(err);
    if (refusal === undefined) throw err;
    return deadLetter(ctx, signal, base, refusal);
  }
}

async function deliverToTemporal(ctx: AcceptContext, p: Planned, base: Pick<SignalResult, 'signalId' | 'fingerprint' | 'status'>): Promise<SignalResult> {
  const { signal } = p;
  if (p.route === undefined) {
    const delivery = await ctx.deliverer.resolved(signal);
    if (delivery.kind === 'no-open-incident') {
      ctx.logger.info({ ...about(signal), incidentId: delivery.incidentId }, 'resolved signal for no open incident: nothing to do');
      return { ...base, outcome: 'no-open-incident', incidentId: delivery.incidentId };
    }
    ctx.logger.info({ ...about(signal), incidentId: delivery.incidentId }, 'resolved signal delivered');
    return { ...base, outcome: 'resolved', incidentId: delivery.incidentId };
  }
  const route = p.route;
  const delivery = await ctx.deliverer.firing(signal, route);
  const outcome = delivery.kind === 'incident' && delivery.opened ? 'opened' : 'deduplicated';
  // A repeat of an open incident is routine and can come thousands of times a minute: debug, and
  // counted in medic_intake_signals_total. What starts an incident is info.
  const level = outcome === 'deduplicated' ? 'debug' : 'info';
  ctx.logger[level]({ ...about(signal), incidentId: delivery.incidentId, outcome, playbook: route.playbook, target: route.target, route: route.route }, `signal ${outcome}`);
  return { ...base, outcome, incidentId: delivery.incidentId, playbook: route.playbook, target: route.target, route: route.route };
}

/**
 * Temporal refused this signal for good: keep it in the dead-letter record (on disk before the
 * answer), so the rest of its group is delivered and answered 202, and the sender does not retry
 * what can never succeed. If the record cannot be written, the error stands: 503, retried.
 */
async function deadLetter(ctx: AcceptContext, signal: Signal, base: Pick<SignalResult, 'signalId' | 'fingerprint' | 'status'>, refusal: PermanentRefusal): Promise<SignalResult> {
  const incidentId = incidentWorkflowId(signal.fingerprint);
  const reason = `Temporal refused it for good (${refusal.status}): ${refusal.message}`;
  const letter = await ctx.deadLetters.add({
    at: new Date().toISOString(),
    signalId: signal.id,
    fingerprint: signal.fingerprint,
    incidentId,
    source: signal.source,
    status: signal.status,
    alertname: signal.alertname,
    service: signal.service,
    refusal: refusal.status,
    reason,
    signal,
  });
  ctx.metrics.deadLetters.inc({ source: signal.source });
  ctx.metrics.deadLettersHeld.set(ctx.deadLetters.size);
  ctx.logger.error(
    { ...about(signal), incidentId, refusal: refusal.status, reason: refusal.message, deadLetters: ctx.deadLetters.path },
    `signal dead-lettered: ${reason}. It is kept in ${ctx.deadLetters.path} and answered 202 as "dead-lettered", so the rest of its group is delivered. To fix: see \`medic dead-letters\`, remove the cause (a label too large, an incident over its limits), then send the signal again`,
  );
  return { ...base, outcome: 'dead-lettered', incidentId: letter.incidentId, reason: letter.reason };
}

function countOutcome(ctx: AcceptContext, signal: Signal, outcome: SignalOutcome): void {
  ctx.metrics.signals.inc({ source: signal.source, status: signal.status, outcome });
  if (outcome === 'opened' || outcome === 'deduplicated') ctx.metrics.incidents.inc({ result: outcome });
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/**
 * The deadline passed first. What was recorded by now is counted with its outcome; the rest as
 * failed (the retry counts it again). Calls in flight are left to land: the retry reuses their ids.
 */
function deadlinePassed(ctx: AcceptContext, planned: Planned[], progress: SettleProgress<SignalResult>, deadline: RequestDeadline): IntakeError {
  let recorded = 0;
  let failed = 0;
  planned.forEach((p, i) => {
    const s = progress.results[i];
    if (s?.status === 'fulfilled') {
      recorded += 1;
      countOutcome(ctx, p.signal, s.value.outcome);
    } else {
      if (s?.status === 'rejected' && !(s.reason instanceof NotAttempted)) failed += 1;
      countOutcome(ctx, p.signal, 'failed');
    }
  });
  const settled = progress.results.filter((r) => r !== undefined && !(r.status === 'rejected' && r.reason instanceof NotAttempted)).length;
  const inFlight = progress.started - settled;
  const notStarted = planned.length - progress.started;
  const counts = `${recorded} of ${planned.length} recorded, ${inFlight} still in flight, ${notStarted} not started${failed > 0 ? `, ${failed} failed` : ''}`;
  return new IntakeError(
    503,
    'deadline-exceeded',
    `Temporal did not record every signal within the intake's request deadline of ${seconds(deadline.ms)} (${counts}); nothing is lost or doubled: retry the same request (Alertmanager does), it carries the same signal ids and the incidents drop what was already recorded`,
    [],
    { logFields: { deadlineMs: deadline.ms, signals: planned.length, recorded, inFlight, notStarted, failed, notRecorded: planned.flatMap((p, i) => (progress.results[i]?.status === 'fulfilled' ? [] : [p.signal.id])).slice(0, 20) } },
  );
}

/**
 * Deliver each signal of one request separately. Succeeds only when every signal was recorded
 * (or knowingly not: unrouted, no open incident) before the request's deadline; otherwise throws
 * a 503 so the sender retries the whole request: the signals already recorded come back with the
 * same ids and are dropped by their incident, so nothing doubles.
 */
export async function acceptSignals(ctx: AcceptContext, signals: Signal[], deadline?: RequestDeadline): Promise<SignalResult[]> {
  const planned = plan(ctx.config, signals);
  const progress = settleAll(planned, ctx.concurrency ?? 8, (p) => deliverOne(ctx, p), () => deadline?.expired ?? false);
  const settled = deadline === undefined ? await progress.done : await deadline.race(progress.done, () => Promise.reject(deadlinePassed(ctx, planned, progress, deadline)));
  const failures: { signal: Signal; error: unknown }[] = [];
  const results: SignalResult[] = [];
  settled.forEach((s, i) => {
    const signal = (planned[i] as Planned).signal;
    if (s.status === 'fulfilled') {
      results.push(s.value);
      countOutcome(ctx, signal, s.value.outcome);
    } else {
      failures.push({ signal, error: s.reason });
      countOutcome(ctx, signal, 'failed');
    }
  });
  if (failures.length > 0) {
    const first = failures.find((f) => !(f.error instanceof NotAttempted)) ?? failures[0];
    const cause = first?.error instanceof Error ? first.error.message : String(first?.error);
    ctx.logger.error(
      { failed: failures.map((f) => f.signal.id), delivered: results.length, err: first?.error },
      'Temporal did not accept every signal: answering 503 so the sender retries',
    );
    throw new IntakeError(
      503,
      'temporal-unavailable',
      `Temporal did not record ${failures.length} of ${signals.length} signals (${cause}); nothing is lost: retry the request (Alertmanager does), signals already recorded are deduplicated by id`,
    );
  }
  return results;
}
