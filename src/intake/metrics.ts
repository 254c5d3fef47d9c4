import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RejectReason } from './intake-error.js';
import { SIGNAL_SOURCES } from '../signals/signal-schema.js';

/** What became of one signal (one alert of a notification). */
export type SignalOutcome = 'opened' | 'deduplicated' | 'resolved' | 'no-open-incident' | 'unrouted' | 'dead-lettered' | 'failed';

/**
 * The intake's Prometheus metrics, in a registry of their own (one per server, so tests can run
 * several). Every series a dashboard or alert needs exists from the start, at zero.
 */
export class IntakeMetrics {
  readonly registry = new Registry();

  /** Signals (alerts) received, by source, status and what became of them. */
  readonly signals = new Counter({
    name: 'medic_intake_signals_total',
    help: 'Signals received, by source (alertmanager, grafana, generic...), status (firing, resolved) and outcome',
    labelNames: ['source', 'status', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Firing signals that opened a new incident vs joined the incident already open for their fingerprint. */
  readonly incidents = new Counter({
    name: 'medic_intake_incidents_total',
    help: 'Firing signals by result: opened a new incident, or deduplicated into the open one',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly rejects = new Counter({
    name: 'medic_intake_rejects_total',
    help: 'Requests refused, by reason (unauthorized, invalid-json, invalid-payload, payload-too-large, unsupported-media-type, not-found, temporal-unavailable, deadline-exceeded: Temporal did not record every signal within the request deadline, 503 and the sender retries)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** Signals Temporal refused for good, newly kept in the dead-letter record. */
  readonly deadLetters = new Counter({
    name: 'medic_intake_dead_letters_total',
    help: 'Signals Temporal refused for good (e.g. INVALID_ARGUMENT), newly kept in the dead-letter record and answered 202 as dead-lettered, by source',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  /** Records in the dead-letter file, including those of earlier runs: alert on > 0. */
  readonly deadLettersHeld = new Gauge({
    name: 'medic_intake_dead_letters',
    help: 'Signals in the intake dead-letter record (medic dead-letters lists them), including those of earlier runs',
    registers: [this.registry],
  });

  readonly duration = new Histogram({
    name: 'medic_intake_request_duration_seconds',
    help: 'Time from request to answer, by endpoint and status code; for signal endpoints this includes Temporal accepting the signals',
    labelNames: ['endpoint', 'code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    for (const result of ['opened', 'deduplicated']) this.incidents.inc({ result }, 0);
    const reasons: RejectReason[] = ['unauthorized', 'invalid-json', 'invalid-payload', 'payload-too-large', 'unsupported-media-type', 'temporal-unavailable', 'deadline-exceeded'];
    for (const reason of reasons) this.rejects.inc({ reason }, 0);
    for (const source of SIGNAL_SOURCES.filter((s) => s !== 'cli')) {
      this.deadLetters.inc({ source }, 0);
      for (const status of ['firing', 'resolved']) {
        const outcomes: SignalOutcome[] = status === 'firing' ? ['opened', 'deduplicated', 'unrouted', 'dead-lettered', 'failed'] : ['resolved', 'no-open-incident', 'dead-lettered', 'failed'];
        for (const outcome of outcomes) this.signals.inc({ source, status, outcome }, 0);
      }
    }
  }

  /** The value of one counter series (the first whose labels include these), e.g. for tests. */
  async value(name: string, labels: Record<string, string>): Promise<number> {
    const metric = await this.registry.getSingleMetric(name)?.get();
    const match = metric?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
    return match?.value ?? 0;
  }
}
