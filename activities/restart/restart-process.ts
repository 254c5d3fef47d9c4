import type { ProcessConfig } from '../../src/config/process-schema.js';
import type { StepOutput } from '../contract.js';
import { TargetUnavailableError } from '../driver-errors.js';
import { isAlive, processManagerFor } from '../process/process-manager.js';
import { canConnect } from '../support/tcp-connect.js';
import { pollUntil } from '../support/waiting.js';

const POLL_MS = 250;
const CONNECT_TIMEOUT_MS = 1_000;

/**
 * Restart a target's process and wait until it is back: a new, live PID and, when `listen` is set,
 * its port accepting connections. Restarting twice leaves the same state: one running process.
 */
export async function restartProcess(target: string, cfg: ProcessConfig): Promise<StepOutput> {
  const manager = processManagerFor(target, cfg);
  const started = Date.now();
  const oldPid = await manager.mainPid();
  await manager.restart();

  const pid = await pollUntil(
    `${manager.label} to run with a new PID`,
    async () => {
      const now = await manager.mainPid();
      return now !== undefined && now !== oldPid && isAlive(now) ? now : undefined;
    },
    { timeoutMs: cfg.restartTimeout, intervalMs: POLL_MS },
  );
  if (pid.value === undefined) {
    throw new TargetUnavailableError(
      `${manager.label} was restarted but is not back with a new PID after ${cfg.restartTimeout} ms (PID before: ${oldPid ?? 'none'}). To fix: look at its log (medic's diagnose step has the last lines), or raise restartTimeout`,
    );
  }

  const listen = cfg.listen;
  if (listen !== undefined) {
    const remaining = Math.max(POLL_MS, cfg.restartTimeout - (Date.now() - started));
    const port = await pollUntil(
      `${listen.host}:${listen.port} to accept connections`,
      async () => ((await canConnect(listen.host, listen.port, CONNECT_TIMEOUT_MS)).ok ? true : undefined),
      { timeoutMs: remaining, intervalMs: POLL_MS },
    );
    if (port.value === undefined) {
      throw new TargetUnavailableError(
        `${manager.label} runs again (PID ${pid.value}) but nothing listens on ${listen.host}:${listen.port} within ${cfg.restartTimeout} ms. To fix: check its log for a startup error, or correct ${`targets.${target}.process.listen`}`,
      );
    }
  }

  const tookMs = Date.now() - started;
  const where = listen === undefined ? '' : `, listening on ${listen.host}:${listen.port}`;
  return {
    summary: `${manager.label} restarted: PID ${oldPid ?? 'none'} -> ${pid.value}${where}, in ${(tookMs / 1000).toFixed(1)} s`,
    data: { oldPid: oldPid ?? null, newPid: pid.value, tookMs, ...(listen !== undefined && { listening: `${listen.host}:${listen.port}` }) },
  };
}
