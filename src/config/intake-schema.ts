import { z } from 'zod';
import { durationMs } from './duration-schema.js';

/** Shortest deadline accepted: below this, a healthy Temporal could not record one group in time. */
export const MIN_REQUEST_DEADLINE_MS = 100;
/** Longest: a sender that waits less would give up first, and its retry could be taken for a repeat. */
export const MAX_REQUEST_DEADLINE_MS = 120_000;

export const MIN_SIGNATURE_WINDOW_MS = 10_000;
export const MAX_SIGNATURE_WINDOW_MS = 3_600_000;

/**
 * Settings of `medic intake` that belong with the routes rather than on its command line.
 * Defaults are the safe ones; the section can be left out.
 */
export const IntakeSchema = z
  .object({
    /**
     * How long one request may take, from its arrival to its answer. A request whose signals are
     * not all recorded by then answers 503, is not counted as answered, and its retry carries the
     * same signal ids. Keep it well under the sender's timeout (Alertmanager gives a notification,
     * retries included, at least 10 s): an answer the sender stopped waiting for is what records an
     * alert twice. The default, 5 s, leaves Alertmanager's shortest budget room for a retry.
     */
    requestDeadline: durationMs
      .pipe(
        z
          .number()
          .min(MIN_REQUEST_DEADLINE_MS, `must be at least ${MIN_REQUEST_DEADLINE_MS}ms`)
          .max(MAX_REQUEST_DEADLINE_MS, 'must be at most 2 minutes: keep it well under the sender\'s timeout (Alertmanager: 10 s at least)'),
      )
      .prefault('5s'),
    /**
     * How far the `X-Medic-Timestamp` of a signed request (`POST /v1/signals` with
     * MEDIC_INTAKE_HMAC_SECRET) may be from the intake's clock, either way. A captured request
     * stops being valid after this; a sender retrying one request must sign it anew past it.
     */
    signatureWindow: durationMs
      .pipe(
        z
          .number()
          .min(MIN_SIGNATURE_WINDOW_MS, 'must be at least 10s: the clocks of sender and intake are never exactly in step')
          .max(MAX_SIGNATURE_WINDOW_MS, 'must be at most 1 hour: a captured signed request can be replayed within the window'),
      )
      .prefault('5 minutes'),
  })
  .strict()
  .prefault({});

export type IntakeConfig = z.infer<typeof IntakeSchema>;
