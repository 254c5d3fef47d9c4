import { execFile } from 'node:child_process';
import { readFileSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canConnect } from '../activities/support/tcp-connect.js';
import { PM2_BIN, Pm2Fleet } from '../test/helpers/pm2-fleet.js';
import { freePort, waitFor } from '../test/helpers/ports.js';
import { makeReleaseTree, type ReleaseTree } from '../test/helpers/release-tree.js';
import type { Cleanup } from './cleanup.js';

// The fleet: three copies of a small HTTP service (the backend the driver tests use), each under a
// real PM2 daemon and running from a release tree (releases/v1, releases/v2 and a `current` link),
// as on a host deployed by a typical deploy tool. v1 is good; v2 has a bug that fails every request.

export const SERVICE_NAMES = ['web-a', 'web-b', 'web-c'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const GOOD_RELEASE = 'v1';
export const BAD_RELEASE = 'v2';

const run = promisify(execFile);

export interface Service {
  name: ServiceName;
  port: number;
  /** The service's own URL, not through HAProxy. */
  url: string;
  tree: ReleaseTree;
}

export class DemoFleet {
  private constructor(
    private readonly pm2: Pm2Fleet,
    readonly services: Service[],
    /** Every PID seen, for the last-resort kill if the demo exits before PM2 stopped them. */
    private readonly seen: Set<number>,
  ) {}

  /** Start the PM2 daemon (PM2_HOME in `dir`) and the three services on free ports. */
  static async start(dir: string, cleanup: Cleanup): Promise<DemoFleet> {
    const pm2 = await Pm2Fleet.start(join(dir, 'pm2'));
    const seen = new Set<number>();
    const daemon = readDaemonPid(pm2.home);
    if (daemon !== undefined) seen.add(daemon);
    cleanup.add('stop PM2 and the three services', () => pm2.stop(), () => seen.forEach((pid) => killIfOurs(pid, dir)));
    const services: Service[] = [];
    for (const name of SERVICE_NAMES) {
      const port = await freePort();
      const tree = makeReleaseTree(join(dir, 'services', name), [GOOD_RELEASE, BAD_RELEASE], GOOD_RELEASE, [BAD_RELEASE]);
      await pm2.startApp({ name, script: tree.script, env: { PORT: String(port), BACKEND_NAME: name } });
      services.push({ name, port, url: `http://127.0.0.1:${port}`, tree });
    }
    await Promise.all(
      services.map((s) => waitFor(`${s.name} to listen on port ${s.port} (PM2 log: ${pm2.home}/logs)`, async () => (await canConnect('127.0.0.1', s.port, 500)).ok, 20_000)),
    );
    const fleet = new DemoFleet(pm2, services, seen);
    await fleet.pids();
    return fleet;
  }

  get home(): string {
    return this.pm2.home;
  }

  service(name: ServiceName): Service {
    const found = this.services.find((s) => s.name === name);
    if (found === undefined) throw new Error(`no service ${name} in the demo fleet`);
    return found;
  }

  /** Make a running service fail every request until it is restarted (a leak, a stuck pool...). */
  async break(name: ServiceName): Promise<void> {
    const res = await fetch(`${this.service(name).url}/break`, { method: 'POST', signal: AbortSignal.timeout(3_000) });
    if (!res.ok) throw new Error(`could not break ${name}: HTTP ${res.status}`);
  }

  /** Deploy a release as a deploy tool would: swap the `current` link atomically, then restart under PM2. */
  async deploy(name: ServiceName, version: string): Promise<void> {
    const { tree } = this.service(name);
    const temp = `${tree.currentLink}.deploying`;
    symlinkSync(join('releases', version), temp);
    renameSync(temp, tree.currentLink);
    await run(process.execPath, [PM2_BIN, 'restart', name], { env: { ...process.env, PM2_HOME: this.pm2.home }, timeout: 30_000 });
    const { port } = this.service(name);
    await waitFor(`${name} to listen again on port ${port} after the deploy`, async () => (await canConnect('127.0.0.1', port, 500)).ok, 20_000);
  }

  /** The release a service answers with now, from its /debug endpoint. */
  async version(name: ServiceName): Promise<string> {
    const res = await fetch(`${this.service(name).url}/debug`, { signal: AbortSignal.timeout(3_000) });
    return ((await res.json()) as { version?: string }).version ?? 'unknown';
  }

  /** PIDs of the daemon and the services right now (they change on every restart). */
  async pids(): Promise<Record<string, number>> {
    const pids: Record<string, number> = {};
    const daemon = readDaemonPid(this.pm2.home);
    if (daemon !== undefined) pids['pm2-daemon'] = daemon;
    for (const s of this.services) {
      const pid = await this.pm2.pid(s.name).catch(() => undefined);
      if (pid !== undefined) pids[s.name] = pid;
    }
    Object.values(pids).forEach((pid) => this.seen.add(pid));
    return pids;
  }
}

function readDaemonPid(home: string): number | undefined {
  try {
    return Number(readFileSync(join(home, 'pm2.pid'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Kill a PID only while it is still one of ours (its command line names the demo's folder): PIDs get reused. */
function killIfOurs(pid: number, dir: string): void {
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) return;
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
