import { createHash, randomUUID } from 'node:crypto';
import { SignalSchema, type Signal, type SignalInput } from './signal-schema.js';

export class SignalError extends Error {
  override readonly name = 'SignalError';
  readonly code = 'MEDIC_SIGNAL_INVALID';
}

/** A stable fingerprint for signals that do not bring one: same alert on same service, same incident. */
export function deriveFingerprint(alertname: string, service: string, labels: Record<string, string> = {}): string {
  const stable = JSON.stringify([alertname, service, Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))]);
  return createHash('sha256').update(stable).digest('hex').slice(0, 16);
}

/** Validate a signal, filling what a person may leave out (id, fingerprint, time). */
export function makeSignal(raw: Partial<SignalInput> & { alertname?: string; service?: string }, now: Date = new Date()): Signal {
  if (raw.fingerprint === undefined) {
    // The fingerprint is derived from these two: name what is missing, not the derived field.
    const missing = (['alertname', 'service'] as const).find((k) => raw[k] === undefined);
    if (missing !== undefined) throw new SignalError(`signal field "${missing}": required (an alert name and a service, or a fingerprint)`);
  }
  const withDefaults = {
    id: raw.id ?? randomUUID(),
    source: raw.source ?? 'cli',
    status: raw.status ?? 'firing',
    receivedAt: raw.receivedAt ?? now.toISOString(),
    ...raw,
    fingerprint:
      raw.fingerprint ??
      (raw.alertname !== undefined && raw.service !== undefined ? deriveFingerprint(raw.alertname, raw.service) : undefined),
  };
  const parsed = SignalSchema.safeParse(withDefaults);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SignalError(`signal field "${issue?.path.join('.') || '(body)'}": ${issue?.message}`);
  }
  return parsed.data;
}
