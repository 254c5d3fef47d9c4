import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { IntakeError } from './intake-error.js';

/**
 * How each endpoint proves who is calling.
 * - Alertmanager and Grafana: `Authorization: Bearer <MEDIC_INTAKE_TOKEN>` (Alertmanager's
 *   `http_config.authorization`, Grafana's "Authorization header" option).
 * - `POST /v1/signals`: `X-Medic-Signature: sha256=<hex HMAC-SHA256 of the body with
 *   MEDIC_INTAKE_HMAC_SECRET>`; without that secret, the bearer token like the others.
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

export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
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

/** The signature header must be present before the body is read at all. */
export function requireSignatureHeader(header: string | undefined): void {
  if (header === undefined || header === '') {
    throw unauthorized(`missing ${SIGNATURE_HEADER} header. To fix: send "${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the body with MEDIC_INTAKE_HMAC_SECRET>"`);
  }
}

/** Check the HMAC-SHA256 signature of the exact body bytes. */
export function checkSignature(header: string | undefined, rawBody: Buffer, secret: string): void {
  requireSignatureHeader(header);
  const value = (header ?? '').trim();
  if (!/^sha256=[0-9a-fA-F]{64}$/.test(value)) {
    throw unauthorized(`${SIGNATURE_HEADER} must be "sha256=" followed by 64 hex digits`);
  }
  if (!constantTimeEqual(value.toLowerCase(), signBody(secret, rawBody))) {
    throw unauthorized(`${SIGNATURE_HEADER} does not match the body: sign the exact bytes sent, with MEDIC_INTAKE_HMAC_SECRET`);
  }
}

/** One line per endpoint for the start-up log, e.g. "bearer token" or "NONE (open to anyone who can reach the port)". */
export function describeAuth(mode: AuthMode): string {
  switch (mode.kind) {
    case 'bearer':
      return 'bearer token (MEDIC_INTAKE_TOKEN)';
    case 'hmac':
      return 'HMAC-SHA256 body signature (MEDIC_INTAKE_HMAC_SECRET)';
    case 'none':
      return 'none';
  }
}
