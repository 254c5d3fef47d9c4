import { Agent, request } from 'node:http';
import { wallClockMs } from './stats.js';

/** One answered request, with wall-clock times (see wallClockMs). */
export interface Answer {
  status: number;
  body: string;
  sentMs: number;
  answeredMs: number;
}

export interface LoadClientOptions {
  /** Reuse connections (HTTP keep-alive), as Alertmanager and Grafana do. */
  keepAlive: boolean;
  /** Connections open to the intake at most; requests beyond wait in the client. */
  maxSockets: number;
  token: string;
}

/** A small HTTP client for the load generator: node:http, so the client costs little CPU. */
export class LoadClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    baseUrl: string,
    private readonly options: LoadClientOptions,
  ) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new Agent({ keepAlive: options.keepAlive, maxSockets: options.maxSockets });
  }

  /** POST a JSON body; `sentMs` is taken as the request is handed to the client. */
  post(path: string, body: string, sentMs = wallClockMs()): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.host,
          port: this.port,
          path,
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${this.options.token}`,
          },
          timeout: 60_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, sentMs, answeredMs: wallClockMs() }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from ${path} within 60 s`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Open loop at a steady rate: call `fn(i)` at t0 + i / rate, whether or not earlier calls have
 * answered (alerts do not wait for the intake), then wait for all of them.
 */
export async function atSteadyRate<T>(count: number, perSecond: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const t0 = performance.now();
  const calls: Promise<T>[] = [];
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    calls.push(fn(i));
  }
  return Promise.all(calls);
}

/** Run `fn` over 0..count-1 with at most `concurrency` calls in flight (closed loop). */
export async function withConcurrency<T>(count: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await fn(i);
    }
  });
  await Promise.all(lanes);
  return results;
}
