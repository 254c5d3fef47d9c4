import type { HaproxyTarget } from '../../src/config/haproxy-schema.js';
import type { StepOutput } from '../contract.js';
import { RefusedError, TargetUnavailableError } from '../driver-errors.js';
import { pollUntil } from '../support/waiting.js';
import { HaproxyClient } from './haproxy-client.js';
import { ADMIN, describeAdmin, isServing } from './server-state.js';

const SESSION_POLL_MS = 250;

/**
 * Take a server out of rotation (drain or maint), wait for its sessions to reach zero or the
 * drain timeout, and confirm the admin state by reading it back. Running it again on an isolated
 * server changes nothing and confirms again.
 */
export async function isolateServer(target: string, cfg: HaproxyTarget): Promise<StepOutput> {
  const client = new HaproxyClient(cfg, `targets.${target}.haproxy`);
  const bit = cfg.isolateAs === 'drain' ? ADMIN.forcedDrain : ADMIN.forcedMaint;
  const before = await client.read();
  const already = (before.admin & bit) !== 0;
  if (!already) {
    const serving = before.others.filter((o) => isServing(o.status));
    if (serving.length < cfg.minOthersServing) {
      throw new RefusedError(
        `will not isolate ${client.label}: only ${serving.length} other server(s) of backend ${cfg.backend} are serving (${before.others.map((o) => `${o.server} ${o.status}`).join(', ') || 'none'}), and minOthersServing is ${cfg.minOthersServing}. Isolating it would take the service down. To fix: bring another server back first, or lower targets.${target}.haproxy.minOthersServing`,
      );
    }
    await client.setState(cfg.isolateAs);
  }

  const drained = await pollUntil(
    `sessions on ${client.label} to reach zero`,
    async () => {
      const view = await client.read();
      return view.stat.sessions === 0 ? view : undefined;
    },
    { timeoutMs: cfg.drainTimeout, intervalMs: SESSION_POLL_MS },
  );
  const after = drained.value ?? (await client.read());
  if ((after.admin & bit) === 0) {
    throw new TargetUnavailableError(`asked HAProxy to put ${client.label} in ${cfg.isolateAs}, but it reads back as ${describeAdmin(after.admin)} (${after.stat.status}). Someone else may be changing it; try again`);
  }
  const sessions = drained.value === undefined ? `${after.stat.sessions} session(s) still open after the ${cfg.drainTimeout} ms drain timeout` : 'no sessions left';
  return {
    summary: `${client.label} is in ${cfg.isolateAs} (${after.stat.status})${already ? ', as it already was' : ''}: ${sessions}`,
    data: {
      backend: cfg.backend,
      server: cfg.server,
      state: cfg.isolateAs,
      status: after.stat.status,
      sessionsLeft: after.stat.sessions,
      waitedMs: drained.waitedMs,
      alreadyIsolated: already,
    },
  };
}

/** Put a server back into rotation ("ready") and confirm by reading it back. Idempotent. */
export async function rejoinServer(target: string, cfg: HaproxyTarget): Promise<StepOutput> {
  const client = new HaproxyClient(cfg, `targets.${target}.haproxy`);
  const before = await client.read();
  const forced = ADMIN.forcedDrain | ADMIN.forcedMaint;
  const already = (before.admin & forced) === 0;
  if (!already) await client.setState('ready');
  const after = already ? before : await client.read();
  if ((after.admin & forced) !== 0) {
    throw new TargetUnavailableError(`asked HAProxy to put ${client.label} back in rotation, but it reads back as ${describeAdmin(after.admin)}; try again`);
  }
  const note = (after.admin & ~forced) !== 0 ? ` (still ${describeAdmin(after.admin)}: not medic's to change)` : '';
  return {
    summary: `${client.label} is back in rotation (${after.stat.status})${already ? ', as it already was' : ''}${note}`,
    data: { backend: cfg.backend, server: cfg.server, state: 'ready', status: after.stat.status, alreadyInRotation: already },
  };
}
