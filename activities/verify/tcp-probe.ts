import type { TcpCheck } from '../../src/config/verify-schema.js';
import { canConnect } from '../support/tcp-connect.js';
import { heartbeat, pause } from '../support/waiting.js';
import { msLeft, type CheckResult } from './check-result.js';

/** Connect to host:port until one connection succeeds or the deadline passes. */
export async function tcpProbe(check: TcpCheck, deadline: number): Promise<CheckResult> {
  const where = `tcp ${check.host}:${check.port}`;
  for (;;) {
    const result = await canConnect(check.host, check.port, Math.max(1, Math.min(check.connectTimeout, msLeft(deadline))));
    if (result.ok) return { ok: true, detail: `${where}: accepting connections` };
    heartbeat({ check: where });
    if (msLeft(deadline) <= check.interval) return { ok: false, detail: `${where}: ${result.error ?? 'refused'} until the deadline` };
    await pause(check.interval);
  }
}
