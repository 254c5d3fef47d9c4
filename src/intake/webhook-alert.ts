import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Signal } from '../signals/signal-schema.js';

// The alert object that Alertmanager (webhook version 4) and Grafana alerting (which embeds
// Alertmanager) both send, and its normalisation to medic's Signal.

const LABEL_KEY_MAX = 1024;
const LABEL_VALUE_MAX = 16 * 1024;

/** Fingerprints become part of a workflow id (`incident-<fingerprint>`): a safe alphabet only. */
const fingerprint = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'fingerprint must be 1-128 characters of A-Z a-z 0-9 . _ : -');

const labelMap = z.record(z.string(), z.string());
const timestamp = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 time, e.g. 2024-05-01T10:00:00Z' });

export const WebhookAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelMap,
  annotations: labelMap.default({}),
  startsAt: timestamp,
  /** `0001-01-01T00:00:00Z` while firing. */
  endsAt: timestamp.optional(),
  generatorURL: z.string().optional(),
  /** Sent by Alertmanager since 0.19 and by Grafana; derived from the labels when absent. */
  fingerprint: fingerprint.optional(),
});

export type WebhookAlert = z.infer<typeof WebhookAlertSchema>;
export type WebhookSource = 'alertmanager' | 'grafana';

function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

/** Keep every label, but fit keys and values into the Signal's limits (a huge value is cut, not refused). */
function fit(map: Record<string, string>): Record<string, string> {
  // Nearly always everything fits: keep the map zod already made, rather than copy it.
  const fits = Object.entries(map).every(([k, v]) => k.length <= LABEL_KEY_MAX && v.length <= LABEL_VALUE_MAX);
  return fits ? map : Object.fromEntries(Object.entries(map).map(([k, v]) => [clip(k, LABEL_KEY_MAX), clip(v, LABEL_VALUE_MAX)]));
}

/** Alertmanager's own rule: a fingerprint is a hash of the sorted label set. Ours is sha256-based. */
export function labelsFingerprint(labels: Record<string, string>): string {
  const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/** The first non-empty label among these names. */
function firstLabel(labels: Record<string, string>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = labels[name];
    if (value !== undefined && value.trim() !== '') return value;
  }
  return undefined;
}

/** Which labels name the affected service, in order of preference. */
export const SERVICE_LABELS = ['service', 'app', 'job', 'instance'] as const;

/**
 * The key of one alert notification, before numbering: the same alert, in the same state, from the
 * same episode (startsAt; endsAt too once resolved). A new episode of a flapping alert is a new key.
 */
export function alertKey(source: WebhookSource, fp: string, alert: WebhookAlert): string {
  const ended = alert.status === 'resolved' && alert.endsAt !== undefined ? `:${alert.endsAt}` : '';
  return `${source}:${fp}:${alert.status}:${alert.startsAt}${ended}`;
}

export interface NormaliseContext {
  source: WebhookSource;
  receivedAt: string;
  /** The notification number of an alert key (see NotificationLedger). */
  notificationNumber: (key: string) => number;
}

export interface NormalisedAlert {
  signal: Signal;
  /** The ledger key to mark as answered once the request is answered 2xx. */
  key: string;
  /** The notification number in the signal id (`<key>#<number>`), recorded by the ledger on a 2xx. */
  number: number;
}

/**
 * One webhook alert as a Signal. Missing names get explicit placeholders rather than a refusal.
 * The alert was validated by its payload's schema and every field is fitted to the Signal's limits
 * here, so the Signal is built, not parsed a second time (the test "normalises every documented
 * payload to a valid Signal" checks the result against SignalSchema).
 */
export function signalFromWebhookAlert(alert: WebhookAlert, ctx: NormaliseContext): NormalisedAlert {
  const fp = alert.fingerprint ?? labelsFingerprint(alert.labels);
  const key = alertKey(ctx.source, fp, alert);
  const labels = fit(alert.labels);
  const annotations = fit(alert.annotations);
  const summary = firstLabel(alert.annotations, ['summary', 'description', 'message']);
  const number = ctx.notificationNumber(key);
  const signal: Signal = {
    id: `${key}#${number}`,
    source: ctx.source,
    fingerprint: fp,
    status: alert.status,
    alertname: clip(firstLabel(alert.labels, ['alertname']) ?? 'unnamed-alert', 300),
    service: clip(firstLabel(alert.labels, SERVICE_LABELS) ?? 'unknown', 300),
    severity: clip(firstLabel(alert.labels, ['severity']) ?? 'warning', 60),
    ...(summary !== undefined && { summary: clip(summary, 2000) }),
    labels,
    annotations,
    startsAt: alert.startsAt,
    receivedAt: ctx.receivedAt,
  };
  return { signal, key, number };
}
