/**
 * gRPC statuses with which Temporal refuses one request for good: the same call fails the same way
 * however often it is sent (a payload over the blob size limit, a request the server finds
 * malformed). Everything else (unavailable, deadline exceeded, resource
 * exhausted, aborted, internal, a refused namespace or credentials, which hold every alert alike)
 * may pass on a retry, or needs an operator for the whole intake: those answer 503 as before.
 */
const PERMANENT = new Map<number, string>([
  [3, 'INVALID_ARGUMENT'],
  [9, 'FAILED_PRECONDITION'],
  [11, 'OUT_OF_RANGE'],
]);

export interface PermanentRefusal {
  /** The gRPC status name, e.g. INVALID_ARGUMENT. */
  status: string;
  /** Temporal's own words. */
  message: string;
}

/** The numeric gRPC status of an error from the client: on it, or on its cause (the SDK wraps). */
function grpcCode(err: unknown): number | undefined {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/**
 * A run over its signal limit is refused with INVALID_ARGUMENT, but only for a moment: an incident
 * continues as new before its limit, and one that a flood keeps from closing reaches it, closes, and
 * takes signals again in its next run (docs/incidents.md). So that refusal is a 503: retry.
 */
const TRANSIENT = /limit for signal events/;

/** Whether Temporal refused this one signal for good; undefined when a retry may succeed. */
export function permanentRefusal(err: unknown): PermanentRefusal | undefined {
  const code = grpcCode(err);
  const status = code === undefined ? undefined : PERMANENT.get(code);
  if (status === undefined) return undefined;
  const text = [err, (err as { cause?: unknown })?.cause].map((e) => (e instanceof Error ? e.message : String(e))).join(' ');
  if (TRANSIENT.test(text)) return undefined;
  // grpc-js puts "3 INVALID_ARGUMENT: " before the server's message.
  const message = (err instanceof Error ? err.message : String(err)).replace(/^\d+ [A-Z_]+: /, '');
  return { status, message };
}
