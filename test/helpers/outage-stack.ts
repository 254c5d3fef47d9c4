import { join } from 'node:path';
import { startHaproxy, type RunningHaproxy } from './haproxy.js';
import { startCountingBackend, type CountingBackend } from './http-backends.js';
import { PM2_ARGV, type Pm2Fleet } from './pm2-fleet.js';
import { freePort, waitFor } from './ports.js';
import { canConnect } from '../../activities/support/tcp-connect.js';
import { makeReleaseTree, type ReleaseTree } from './release-tree.js';

/**
 * One service as on a real host, for end-to-end incidents: a backend process under PM2 running
 * from a release tree, behind HAProxy with a healthy spare server beside it, and the inventory
 * entry that tells medic's drivers how to reach all of it.
 */
export interface OutageStack {
  target: string;
  /** The backend's own URL (not through HAProxy). */
  direct: string;
  haproxy: RunningHaproxy;
  spare: CountingBackend;
  tree: ReleaseTree;
  /** targets.<target> for medic's configuration. */
  inventory: Record<string, unknown>;
  stop(): Promise<void>;
}

export interface StackOptions {
  dir: string;
  fleet: Pm2Fleet;
  target: string;
  versions: string[];
  current: string;
  /** Releases that fail every request. */
  broken?: string[];
}

export async function startOutageStack(o: StackOptions): Promise<OutageStack> {
  const port = await freePort();
  const tree = makeReleaseTree(join(o.dir, o.target), o.versions, o.current, o.broken ?? []);
  await o.fleet.startApp({ name: o.target, script: tree.script, env: { PORT: String(port), BACKEND_NAME: o.target } });
  await waitFor(`${o.target} to listen on ${port}`, async () => (await canConnect('127.0.0.1', port, 500)).ok);
  const spare = await startCountingBackend('spare');
  const haproxy = await startHaproxy(join(o.dir, o.target), [
    { name: o.target, port },
    { name: 'spare', port: spare.port },
  ]);
  const direct = `http://127.0.0.1:${port}`;
  const inventory = {
    pool: 'web',
    haproxy: { runtimeApi: { socket: haproxy.socket }, backend: haproxy.backend, server: o.target, drainTimeout: '3s' },
    process: { manager: 'pm2', name: o.target, pm2: PM2_ARGV, pm2Home: o.fleet.home, listen: { port }, restartTimeout: '20s' },
    verify: { deadline: '3s', checks: [{ type: 'http', url: `${direct}/healthz`, bodyMatch: '^ok', successes: 3, interval: '200ms' }] },
    release: { releasesDir: tree.releasesDir, currentLink: tree.currentLink },
    diagnose: { logLines: 10, debugUrl: `${direct}/debug`, cpuSample: '200ms' },
  };
  return {
    target: o.target,
    direct,
    haproxy,
    spare,
    tree,
    inventory,
    async stop() {
      await haproxy.stop();
      await spare.close();
    },
  };
}
