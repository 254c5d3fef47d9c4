import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { IntakeError } from './intake-error.js';

/**
 * How each endpoint proves who is calling.
 * - Alertmanager and Grafana: `Authorization: Bearer <MEDIC_INTAKE_TOKEN>` (Alertmanager's
 *   `http_config.authorization`, Grafana's "Authorization header" option).
 * - `POST /v1/signals`: `X-Medic-Timestamp: <unix seconds>` and `X-Medic-Signature: sha256=<hex
 *   HMAC-SHA256 of "<timestamp>.<body>" with MEDIC_INTAKE_HMAC_SECRET>`, the timestamp within the
 *   signature window of the intake's clock (as Slack and Stripe sign their webhooks): a captured
 *   request cannot be replayed later. Without that secret, the bearer token like the others.
 * An endpoint with no secret configured is open: the server logs that at start (see describeAuth).
 */
export type AuthMode = { kind: 'none' } | { kind: 'bearer'; token: string } | { kind: 'hmac'; secret: string };

export interface IntakeSecrets {
  token?: string | undefined;
  hmacSecret?: string | undefined;
}

export const SIGNATURE_HEADER = 'x-medic-signature';

export function webhookAuth(secrets: IntakeSecrets): AuthMode {
  return secrets.token !== undefined ? { kind: 'bearer', token: secrets.token } : { kind: 'none' };
}

export function genericAuth(secrets: IntakeSecrets): AuthMode {
  if (secrets.hmacSecret !== undefined) return { kind: 'hmac', secret: secrets.hmacSecret };
  return webhookAuth(secrets);
}

/** Compare secrets in constant time, whatever their lengths (hashing first hides the length too). */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export const TIMESTAMP_HEADER = 'x-medic-timestamp';

/** The default signature window: 5 minutes either way, as Slack and Stripe use. */
export const DEFAULT_SIGNATURE_WINDOW_MS = 5 * 60_000;

/** The signature header's value for a body sent at `timestamp` (unix seconds): HMAC over "timestamp.body". */
export function signBody(secret: string, body: string | Buffer, timestamp: number | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/** Both headers of a signed request, signed now (or at `nowMs`). */
export function signedHeaders(secret: string, body: string | Buffer, nowMs: number = Date.now()): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signBody(secret, body, timestamp) };
}

function unauthorized(message: string): IntakeError {
  return new IntakeError(401, 'unauthorized', message);
}

/** Check the Authorization header; throws a 401 that says what is missing (never what was expected). */
export function checkBearer(header: string | undefined, token: string): void {
  if (header === undefined || header === '') {
    throw unauthorized('missing Authorization header. To fix: send "Authorization: Bearer <MEDIC_INTAKE_TOKEN>" (Alertmanager: http_config.authorization)');
  }
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (match?.[1] === undefined) throw unauthorized('Authorization header is not of the form "Bearer <token>"');
  if (!constantTimeEqual(match[1], token)) throw unauthorized('bearer token does not match MEDIC_INTAKE_TOKEN');
}

const SIGN_HOW = `"${TIMESTAMP_HEADER}: <unix seconds>" and "${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of \"<timestamp>.<body>\" with MEDIC_INTAKE_HMAC_SECRET>" (docs/intake.md shows it with openssl)`;

/** Both headers must be present before the body is read at all. */
export function requireSignatureHeaders(signature: string | undefined, timestamp: string | undefined): void {
  if (signature === undefined || signature === '') throw unauthorized(`missing ${SIGNATURE_HEADER} header. To fix: send ${SIGN_HOW}`);
  if (timestamp === undefined || timestamp === '') throw unauthorized(`missing ${TIMESTAMP_HEADER} header: the signature covers a timestamp with the body. To fix: send ${SIGN_HOW}`);
}

function seconds(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}-minute` : `${Math.round(ms / 1000)}-second`;
}

/**
 * Check the timestamp against the window, then the HMAC-SHA256 signature of "timestamp.body"
 * (the exact body bytes). The window is checked first, so an old request says why it is refused.
 */
export function checkSignature(headers: { signature: string | undefined; timestamp: string | undefined }, rawBody: Buffer, secret: string, o: { nowMs: number; windowMs: number }): void {
  requireSignatureHeaders(headers.signature, headers.timestamp);
  const ts = (headers.timestamp ?? '').trim();
  if (!/^\d{1,12}$/.test(ts)) throw unauthorized(`${TIMESTAMP_HEADER} must be the time of signing in whole seconds since 1970 (unix time), e.g. ${Math.floor(o.nowMs / 1000)}`);
  const skewMs = o.nowMs - Number(ts) * 1000;
  if (Math.abs(skewMs) > o.windowMs) {
    const off = `${Math.round(Math.abs(skewMs) / 1000)} s ${skewMs > 0 ? 'old' : 'in the future'}`;
    throw unauthorized(
      `${TIMESTAMP_HEADER} is ${off}, outside the intake's ${seconds(o.windowMs)} signature window: a signed request is valid only near the time it was signed, so a captured one cannot be replayed. To fix: sign each request when it is sent, with the current time, and keep the sender's clock in sync (NTP)`,
    );
  }
  const value = (headers.signature ?? '').trim();
  if (!/^sha256=[0-9a-fA-F]{64}$/.test(value)) {
    throw unauthorized(`${SIGNATURE_HEADER} must be "sha256=" followed by 64 hex digits`);
  }
  if (!constantTimeEqual(value.toLowerCase(), signBody(secret, rawBody, ts))) {
    throw unauthorized(`${SIGNATURE_HEADER} does not match the body and timestamp: sign "<${TIMESTAMP_HEADER}>.<the exact body bytes sent>" with MEDIC_INTAKE_HMAC_SECRET`);
  }
}

/** One line per endpoint for the start-up log, e.g. "bearer token" or "NONE (open to anyone who can reach the port)". */
export function describeAuth(mode: AuthMode): string {
  switch (mode.kind) {
    case 'bearer':
      return 'bearer token (MEDIC_INTAKE_TOKEN)';
    case 'hmac':
      return 'HMAC-SHA256 signature of timestamp and body (MEDIC_INTAKE_HMAC_SECRET)';
    case 'none':
      return 'none';
  }
}
