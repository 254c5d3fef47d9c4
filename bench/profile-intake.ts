// `npx tsx bench/profile-intake.ts [--alerts N] [--fingerprints N] [--cpu-prof DIR] [--temporal]`: the intake's own
// CPU per alert. The intake (its own process, bench/intake-cpu-child.ts) answers from a deliverer
// that records nothing and waits for nothing, so what it spends is its own work, not Temporal's
// and not the gRPC client's. With --temporal it delivers to a dev server started for the run (no
// worker: incidents are recorded, not run), so the gRPC client's work is in the figure too. Alertmanager bodies of one alert, as row 4 sends them, over 64 keep-alive
// connections on loopback. With --cpu-prof the child writes a V8 CPU profile into DIR (open it in
// Chrome DevTools, or list the hottest functions with --top).
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readEnv } from '../src/config/env.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { resolveTemporalCli } from '../src/temporal/temporal-cli.js';
import { BenchChild } from './bench-child.js';
import { BENCH_ALERTS, alertmanagerBody } from './bench-routes.js';
import { LoadClient } from './http-load.js';

const TOKEN = 'profile-token';

async function cpuOf(child: BenchChild): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (m: { type: string; usage?: NodeJS.CpuUsage }) => {
      if (m.type !== 'cpu' || m.usage === undefined) return;
      child.child.off('message', onMessage);
      resolve((m.usage.user + m.usage.system) / 1000);
    };
    child.child.on('message', onMessage);
    child.child.send({ type: 'cpu' });
  });
}

async function send(http: LoadClient, from: number, count: number, fingerprints: number): Promise<void> {
  let next = from;
  const end = from + count;
  const lane = async () => {
    while (next < end) {
      const i = next++;
      const answer = await http.post('/v1/signals/alertmanager', alertmanagerBody(BENCH_ALERTS.approval, `fp-${i % fingerprints}`, Math.floor(i / fingerprints)));
      if (answer.status !== 202) throw new Error(`the intake answered ${answer.status}: ${answer.body}`);
    }
  };
  await Promise.all(Array.from({ length: 64 }, lane));
}

/** The functions with the most self time in a .cpuprofile. */
function top(dir: string, n: number): string[] {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) return ['(no profile written)'];
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[] };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  for (const id of profile.samples) {
    const f = byId.get(id)?.callFrame;
    const name = f === undefined ? '?' : `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|bench|workflows)\//, '$1/')}:${f.lineNumber + 1}`;
    self.set(name, (self.get(name) ?? 0) + 1);
  }
  const total = profile.samples.length;
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, count]) => `${((count / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { alerts: { type: 'string', default: '20000' }, 'cpu-prof': { type: 'string' }, top: { type: 'string', default: '25' }, temporal: { type: 'boolean', default: false }, fingerprints: { type: 'string', default: '100' } } });
  const fingerprints = Number(values.fingerprints);
  const server = values.temporal ? await startDevServer({ cliPath: resolveTemporalCli({ install: false, explicit: readEnv().TEMPORAL_CLI }), logLevel: 'error' }) : undefined;
  const alerts = Number(values.alerts);
  const profDir = values['cpu-prof'];
  const logDir = mkdtempSync(join(tmpdir(), 'medic-profile-intake-'));
  const child = await BenchChild.start({
    name: 'intake',
    file: './intake-cpu-child.ts',
    args: { token: TOKEN, ...(server !== undefined && { temporalAddress: server.address }) },
    logPath: join(logDir, 'intake.log'),
    ...(profDir !== undefined && { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir] }),
  });
  const http = new LoadClient(`http://127.0.0.1:${String(child.ready['port'])}`, { keepAlive: true, maxSockets: 64, token: TOKEN });
  try {
    // Warm up (JIT, connections), then measure: alerts over --fingerprints (100: most join an open incident, as in row 4).
    await send(http, 0, Math.min(2_000, alerts), 100);
    const before = await cpuOf(child);
    const started = performance.now();
    await send(http, 100_000, alerts, fingerprints);
    const cpuMs = (await cpuOf(child)) - before;
    const seconds = (performance.now() - started) / 1000;
    console.log(`intake's own CPU: ${(cpuMs / alerts).toFixed(3)} ms per alert (${alerts} alerts over ${fingerprints} fingerprints, ${(alerts / seconds).toFixed(0)} alerts/s, ${(cpuMs / 1000).toFixed(2)} s CPU; log in ${logDir})`);
  } finally {
    http.close();
    await child.stop();
    await server?.teardown();
  }
  if (profDir !== undefined) console.log(top(profDir, Number(values.top)).join('\n'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
