import { createServer } from 'node:net';

/**
 * A TCP port free on 127.0.0.1 now, as the OS hands out for port 0: the dev server binds it a
 * moment later (the same way the SDK's own launcher picked one).
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
