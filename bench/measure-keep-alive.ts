import { INTAKE_TOKEN, type BenchStack } from './bench-stack.js';
import { LoadClient } from './http-load.js';
import { measureThroughput } from './measure-throughput.js';
import { round } from './stats.js';

// A tuning check, not a row (`--only keep-alive`): intake throughput with connections reused
// versus a new connection per alert, in alternating windows of one run, so that the machine's
// background load falls on both alike (separate runs on a shared machine differ by more than this).

export interface KeepAliveComparison {
  windows: number;
  secondsPerWindow: number;
  /** 202s per second over all of a variant's windows. */
  keepAlivePerSecond: number;
  newConnectionPerSecond: number;
  /** 202 p50 of each window, per variant. */
  keepAliveAnswerP50Ms: number[];
  newConnectionAnswerP50Ms: number[];
}

export async function compareKeepAlive(
  stack: BenchStack,
  o: { prefix: string; windows: number; secondsPerWindow: number; connections: number; fingerprints: number; timeoutMs: number },
): Promise<KeepAliveComparison> {
  const variants = {
    keepAlive: new LoadClient(stack.intakeUrl, { keepAlive: true, maxSockets: o.connections, token: INTAKE_TOKEN }),
    newConnection: new LoadClient(stack.intakeUrl, { keepAlive: false, maxSockets: o.connections, token: INTAKE_TOKEN }),
  };
  const totals = { keepAlive: { ok: 0, seconds: 0, p50: [] as number[] }, newConnection: { ok: 0, seconds: 0, p50: [] as number[] } };
  try {
    for (let w = 0; w < o.windows; w++) {
      for (const name of (w % 2 === 0 ? ['keepAlive', 'newConnection'] : ['newConnection', 'keepAlive']) as (keyof typeof variants)[]) {
        const r = await measureThroughput(stack, variants[name], {
          prefix: `${o.prefix}-${name}`,
          fingerprints: o.fingerprints,
          seconds: o.secondsPerWindow,
          concurrency: o.connections,
          sample: 0,
          timeoutMs: o.timeoutMs,
        });
        totals[name].ok += r.alertsPerSecond * r.seconds;
        totals[name].seconds += r.seconds;
        totals[name].p50.push(r.answerMs.p50);
      }
    }
  } finally {
    variants.keepAlive.close();
    variants.newConnection.close();
  }
  return {
    windows: o.windows,
    secondsPerWindow: o.secondsPerWindow,
    keepAlivePerSecond: round(totals.keepAlive.ok / totals.keepAlive.seconds, 1),
    newConnectionPerSecond: round(totals.newConnection.ok / totals.newConnection.seconds, 1),
    keepAliveAnswerP50Ms: totals.keepAlive.p50,
    newConnectionAnswerP50Ms: totals.newConnection.p50,
  };
}
