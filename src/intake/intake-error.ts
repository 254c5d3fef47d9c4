import type { z } from 'zod';

/** Why the intake refused a request; also the `reason` label of `medic_intake_rejects_total`. */
export type RejectReason =
  | 'unauthorized'
  | 'invalid-json'
  | 'invalid-payload'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'not-found'
  | 'temporal-unavailable'
  /** Temporal did not record every signal within the request deadline: 503, the sender retries. */
  | 'deadline-exceeded'
  | 'internal-error';

export interface FieldIssue {
  /** Dotted path into the body, e.g. `alerts.1.status`; `(body)` for the body as a whole. */
  field: string;
  message: string;
}

/**
 * A request the intake answers with an error status and a JSON body naming the field or the reason.
 * Thrown by parsers and auth checks; turned into a reply by the server's error handler.
 */
export class IntakeError extends Error {
  override readonly name = 'IntakeError';
  readonly code = 'MEDIC_INTAKE_REJECTED';
  /** Structured fields for the log line of this refusal (never sent to the client). */
  readonly logFields: Record<string, unknown>;
  constructor(
    readonly statusCode: number,
    readonly reason: RejectReason,
    message: string,
    readonly issues: FieldIssue[] = [],
    options?: { cause?: unknown; logFields?: Record<string, unknown> },
  ) {
    super(message, options);
    this.logFields = options?.logFields ?? {};
  }

  /** The JSON body of the reply: what a human reading Alertmanager's log needs to fix the sender. */
  toBody(): Record<string, unknown> {
    const first = this.issues[0];
    return {
      error: this.reason,
      message: this.message,
      ...(first !== undefined && { field: first.field }),
      ...(this.issues.length > 0 && { issues: this.issues }),
    };
  }
}

const MAX_ISSUES = 10;

export function fieldPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(body)' : path.map(String).join('.');
}

/** A 400 that lists the first few zod issues, each with the dotted path of its field. */
export function invalidPayload(what: string, error: z.ZodError): IntakeError {
  const issues = error.issues.slice(0, MAX_ISSUES).map((i) => ({ field: fieldPath(i.path), message: i.message }));
  const first = issues[0];
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return new IntakeError(400, 'invalid-payload', `not a valid ${what}: ${first?.field}: ${first?.message}${more}`, issues);
}

/** Turn anything thrown while handling a request (ours, fastify's, or unexpected) into an IntakeError. */
export function toIntakeError(err: unknown, bodyLimit: number): IntakeError {
  if (err instanceof IntakeError) return err;
  const e = err as { code?: string; statusCode?: number; message?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new IntakeError(413, 'payload-too-large', `the body is larger than the intake's limit of ${bodyLimit} bytes. To fix: set max_alerts in the Alertmanager receiver, or start medic intake with a larger --body-limit`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new IntakeError(415, 'unsupported-media-type', 'Content-Type must be application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new IntakeError(400, 'invalid-json', e.message ?? 'the body is not valid JSON');
  }
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
    return new IntakeError(e.statusCode, 'invalid-payload', e.message ?? 'bad request');
  }
  // Unexpected: a 5xx makes Alertmanager retry, which is right for a fault of ours.
  return new IntakeError(500, 'internal-error', `the intake failed: ${e.message ?? String(err)}`, [], { cause: err });
}
