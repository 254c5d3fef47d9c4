import { connect } from 'node:net';

/** How long the quick look waits; past it, the SDK's own connect (and deadline) decides. */
const LOOK_MS = 1_000;

/** host and port of "host:port", "[::1]:7233" or "host" (port 7233, Temporal's default). */
export function splitAddress(address: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (bracketed !== null) return { host: bracketed[1] ?? '', port: Number(bracketed[2] ?? 7233) };
  const cut = address.lastIndexOf(':');
  return cut === -1 ? { host: address, port: 7233 } : { host: address.slice(0, cut), port: Number(address.slice(cut + 1)) };
}

/**
 * Why a TCP connection to the address fails at once (refused, unknown host), or undefined when it
 * connects or takes time. The SDK retries a refused port until its 10 s deadline; a person who
 * forgot to start the server should hear so in a moment.
 */
export function refusedAtOnce(address: string): Promise<string | undefined> {
  const { host, port } = splitAddress(address);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (why: string | undefined) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(LOOK_MS, () => done(undefined));
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') return done(`connection refused: nothing listens on ${address}`);
      if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return done(`unknown host ${host}`);
      done(undefined);
    });
  });
}
