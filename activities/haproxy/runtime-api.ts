import { connect, type Socket } from 'node:net';
import type { RuntimeApiAddress } from '../../src/config/haproxy-schema.js';
import { MisconfigurationError, TargetUnavailableError } from '../driver-errors.js';

const MAX_REPLY = 4 * 1024 * 1024;

export const describeAddress = (a: RuntimeApiAddress): string => ('socket' in a ? `unix socket ${a.socket}` : `${a.host}:${a.port}`);

/**
 * Send one command to HAProxy's runtime API and return its reply. In non-interactive mode HAProxy
 * answers one command per connection and then closes it, so a reply ends at the close.
 */
export function runtimeCommand(address: RuntimeApiAddress, command: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = 'socket' in address ? connect({ path: address.socket }) : connect({ host: address.host, port: address.port });
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TargetUnavailableError(`HAProxy's runtime API at ${describeAddress(address)} did not answer "${command}" within ${timeoutMs} ms. To fix: check that HAProxy is running and not overloaded`));
    }, timeoutMs);
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REPLY) chunks.push(chunk);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const where = describeAddress(address);
      if (err.code === 'ENOENT' || err.code === 'EACCES') {
        reject(new MisconfigurationError(`cannot open HAProxy's runtime API at ${where}: ${err.code === 'ENOENT' ? 'no such socket' : 'permission denied'}. To fix: point haproxy.runtimeApi at the "stats socket ... level admin" of haproxy.cfg, readable by the worker`));
      } else {
        reject(new TargetUnavailableError(`cannot reach HAProxy's runtime API at ${where} (${err.code ?? err.message}). To fix: check that HAProxy is running`));
      }
    });
    socket.on('close', (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}
