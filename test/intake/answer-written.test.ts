import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { onAnswerWritten } from '../../src/intake/answer-written.js';

// Whether an answer reached an open connection: what decides that a 2xx counts in the ledger.
// A plain node:http server on loopback, answering after `delayMs`, reports what it saw.

function answeringServer(delayMs: number) {
  const seen: ('written' | 'lost')[] = [];
  let settle: () => void = () => {};
  const reported = new Promise<void>((resolve) => (settle = resolve));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    setTimeout(() => {
      onAnswerWritten(res, { written: () => (seen.push('written'), settle()), lost: () => (seen.push('lost'), settle()) });
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":1}');
    }, delayMs);
  });
  return { server, seen, reported };
}

async function listen(server: ReturnType<typeof createServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('an answer written', () => {
  it('to a sender still waiting counts as written', async () => {
    const { server, seen, reported } = answeringServer(20);
    const port = await listen(server);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' });
      assert.equal(res.status, 202);
      await res.text();
      await reported;
      assert.deepEqual(seen, ['written']);
    } finally {
      server.close();
    }
  });

  it('after the sender gave up and closed the connection counts as lost', async () => {
    const { server, seen, reported } = answeringServer(300);
    const port = await listen(server);
    try {
      await new Promise<void>((resolve) => {
        const req = request({ host: '127.0.0.1', port, method: 'POST', timeout: 50 });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve());
        req.end('{}');
      });
      await reported;
      assert.deepEqual(seen, ['lost']);
    } finally {
      server.close();
    }
  });
});
