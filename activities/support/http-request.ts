import { cancellation } from './waiting.js';

export interface HttpRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Read at most this many bytes of the body; the rest is dropped. */
  maxBytes?: number;
}

export interface HttpAnswer {
  status: number;
  body: string;
  truncated: boolean;
}

/** Why a request got no answer: it timed out, or it never reached a server (refused, reset, DNS). */
export class NoAnswerError extends Error {
  override readonly name = 'NoAnswerError';
  constructor(
    readonly reason: 'timeout' | 'unreachable',
    detail: string,
  ) {
    super(reason === 'timeout' ? 'timed out' : `unreachable (${detail})`);
  }
}

/**
 * One HTTP request, bounded by a timeout and the step's cancellation, with a capped body.
 * Errors name the cause (refused, timeout) but never the URL, which may hold a secret.
 */
export async function httpRequest(url: string, req: HttpRequest): Promise<HttpAnswer> {
  const cancelled = cancellation();
  const signal = AbortSignal.any([AbortSignal.timeout(req.timeoutMs), cancelled]);
  let response: Response;
  try {
    response = await fetch(url, {
      method: req.method ?? 'GET',
      ...(req.headers !== undefined && { headers: req.headers }),
      ...(req.body !== undefined && { body: req.body }),
      signal,
      redirect: 'manual',
    });
    const { text, truncated } = await readCapped(response, req.maxBytes ?? 64 * 1024);
    return { status: response.status, body: text, truncated };
  } catch (err) {
    if (cancelled.aborted) throw err;
    if (signal.aborted) throw new NoAnswerError('timeout', `no answer within ${req.timeoutMs} ms`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new NoAnswerError('unreachable', cause?.code ?? cause?.message ?? (err as Error).message);
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (response.body === null) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > maxBytes) {
      truncated = true;
      await reader.cancel();
      break;
    }
  }
  const text = Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
  return { text, truncated };
}
