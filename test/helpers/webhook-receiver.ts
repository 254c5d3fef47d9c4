import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received. */
  body: string;
}

export interface ScriptedReply {
  status: number;
  body?: string;
  /** Answer only after this long (to make the sender time out). */
  delayMs?: number;
}

/**
 * A local HTTP receiver for escalation tests: records every request byte for byte and answers
 * each path from a script (replies in order, the last one repeating; 200 "ok" by default).
 */
export class WebhookReceiver {
  readonly requests: RecordedRequest[] = [];
  private readonly scripts = new Map<string, ScriptedReply[]>();
  private readonly served = new Map<string, number>();
  private server: Server | undefined;
  private port = 0;

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    receiver.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        receiver.requests.push({ method: req.method ?? '', path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const n = receiver.served.get(path) ?? 0;
        receiver.served.set(path, n + 1);
        const script = receiver.scripts.get(path) ?? [];
        const reply = script[Math.min(n, script.length - 1)] ?? { status: 200, body: 'ok' };
        const timer = setTimeout(() => {
          if (res.destroyed) return;
          res.writeHead(reply.status, { 'content-type': 'text/plain' });
          res.end(reply.body ?? '');
        }, reply.delayMs ?? 0);
        res.on('close', () => clearTimeout(timer));
      });
    });
    await new Promise<void>((resolve) => receiver.server?.listen(0, '127.0.0.1', resolve));
    receiver.port = (receiver.server.address() as AddressInfo).port;
    return receiver;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Script the answers of one path. */
  reply(path: string, ...replies: ScriptedReply[]): void {
    this.scripts.set(path, replies);
    this.served.delete(path);
  }

  to(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
