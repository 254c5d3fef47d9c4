import { createHash } from 'node:crypto';
import { z } from 'zod';
import { deriveFingerprint } from '../signals/make-signal.js';
import { SIGNAL_SOURCES, SignalSchema, type Signal } from '../signals/signal-schema.js';
import { invalidPayload } from './intake-error.js';

/**
 * The body of `POST /v1/signals`: medic's own Signal, with what a sender may leave out.
 * Unknown fields are refused (a typo such as "serivce" is named, not ignored).
 * `receivedAt` is always the intake's clock.
 */
export const GenericSignalSchema = SignalSchema.omit({ receivedAt: true })
  .extend({
    id: SignalSchema.shape.id.optional(),
    source: z.enum(SIGNAL_SOURCES).default('generic'),
    fingerprint: SignalSchema.shape.fingerprint.optional(),
    status: SignalSchema.shape.status.default('firing'),
  })
  .strict();

/**
 * Validate a generic signal. Without an `id`, the id is a hash of the exact body bytes, so a client
 * that retries the same POST is recorded once; a sender that means "this happened again" sends a
 * new id (or any change in the body).
 */
export function parseGenericSignal(body: unknown, rawBody: Buffer, receivedAt: string): Signal {
  const parsed = GenericSignalSchema.safeParse(body);
  if (!parsed.success) throw invalidPayload('medic Signal', parsed.error);
  const s = parsed.data;
  return {
    ...s,
    id: s.id ?? `generic:${createHash('sha256').update(rawBody).digest('hex').slice(0, 32)}`,
    fingerprint: s.fingerprint ?? deriveFingerprint(s.alertname, s.service),
    receivedAt,
  };
}
