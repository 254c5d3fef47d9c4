import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingBackend {
  name: string;
  port: number;
  hits: number;
  close(): Promise<void>;
}

/** An in-process HTTP server that answers with its name and counts the requests that reach it. */
export async function startCountingBackend(name: string): Promise<CountingBackend> {
  const backend = { name, port: 0, hits: 0 } as CountingBackend;
  const server: Server = createServer((req, res) => {
    backend.hits += 1;
    // /slow/<ms> holds the request (an open session in HAProxy) for that long.
    const hold = /^\/slow\/(\d+)$/.exec(req.url ?? '')?.[1];
    setTimeout(() => {
      res.writeHead(200, { 'x-backend': name, connection: 'close' });
      res.end(name);
    }, Number(hold ?? 0));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  backend.port = (server.address() as AddressInfo).port;
  backend.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return backend;
}

/** Send `n` requests through `url` one after another; returns which backend answered each ("web-a", or "web-a HTTP 500" when it failed). */
export async function sendRequests(url: string, n: number): Promise<string[]> {
  const answered: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    const backend = res.headers.get('x-backend') ?? 'unknown';
    answered.push(res.status === 200 ? backend : `${backend} HTTP ${res.status}`);
    await res.arrayBuffer();
  }
  return answered;
}
