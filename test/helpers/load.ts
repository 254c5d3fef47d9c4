import { Agent, request } from 'node:http';
import { connect } from 'node:net';

// Load generation for the storm and fuzz tests: bounded concurrency over keep-alive connections,
// so the figures measure the intake and Temporal, not TCP handshakes.

/** Run `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  });
  await Promise.all(lanes);
  return results;
}

export interface RawAnswer {
  status: number;
  /** The answer parsed as JSON, or undefined when it is not JSON. */
  json: Record<string, unknown> | undefined;
  text: string;
  contentType: string;
  /** When the request was fully written to the socket (Date.now()). */
  sentAt: number;
}

/** A keep-alive HTTP client for one origin (node:http, so a hostile body is sent byte for byte). */
export class KeepAliveClient {
  private readonly agent: Agent;

  constructor(
    private readonly base: string,
    maxSockets = 32,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  request(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<RawAnswer> {
    const url = new URL(path, this.base);
    return new Promise<RawAnswer>((resolve, reject) => {
      let sentAt = 0;
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          headers: { ...(body !== undefined && { 'content-length': String(Buffer.byteLength(body)) }), ...headers },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: Record<string, unknown> | undefined;
            try {
              const parsed: unknown = JSON.parse(text);
              json = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, json, text, contentType: String(res.headers['content-type'] ?? ''), sentAt });
          });
          res.on('error', reject);
        },
      );
      req.on('finish', () => (sentAt = Date.now()));
      req.on('timeout', () => req.destroy(new Error(`no answer from ${method} ${path} within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  postJson(path: string, body: unknown, headers: Record<string, string> = {}, timeoutMs?: number): Promise<RawAnswer> {
    return this.request('POST', path, typeof body === 'string' ? body : JSON.stringify(body), { 'content-type': 'application/json', ...headers }, timeoutMs);
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Send raw bytes on a fresh TCP connection and return everything the server wrote back before it
 * closed the connection or `timeoutMs` passed: for requests no HTTP client would send.
 */
export function rawHttp(port: number, data: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(data));
    let out = '';
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (d: Buffer) => (out += d.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}
