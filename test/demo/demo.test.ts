import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { canConnect } from '../../activities/support/tcp-connect.js';
import type { JsonSummary } from '../../demo/summary.js';
import { LongRunning, PROJECT_ROOT } from '../helpers/processes.js';

// `npm run demo` as a newcomer (or CI) runs it: the whole stack as real processes, three incidents,
// then nothing left behind. The demo reports what it started in its --json-summary lines; this test
// checks every one of those PIDs and ports afterwards, after a normal end and after Ctrl-C.

const DEMO_TIMEOUT_MS = 180_000;

interface Ready {
  event: 'ready';
  processes: Record<string, number>;
  ports: Record<string, number>;
  dir: string;
}

/** The demo in its own process group, so a timeout can stop npm, tsx and the demo together, as Ctrl-C would. */
function startDemo(command: string, args: string[]): LongRunning {
  return new LongRunning(
    spawn(command, args, {
      cwd: PROJECT_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TEMPORAL_CLI: process.env['MEDIC_TEMPORAL_CLI_PATH'] ?? process.env['TEMPORAL_CLI'] },
    }),
  );
}

async function exitWithin(demo: LongRunning, timeoutMs: number): Promise<number | null> {
  const timer = setTimeout(() => {
    try {
      process.kill(-(demo.child.pid ?? 0), 'SIGINT');
      setTimeout(() => process.kill(-(demo.child.pid ?? 0), 'SIGKILL'), 30_000).unref();
    } catch {
      // already gone
    }
  }, timeoutMs);
  const code = await demo.exited;
  clearTimeout(timer);
  return code;
}

function jsonLine<T>(output: string, event: string): T {
  const line = output.split('\n').find((l) => l.startsWith(`{"event":"${event}"`));
  assert.ok(line, `the demo printed its ${event} line:\n${output.slice(-3_000)}`);
  return JSON.parse(line) as T;
}

function alive(pid: number): boolean {
  try {
    // A zombie is dead, only not yet reaped by its parent.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Nothing the demo started still runs, listens, or sits on disk. */
async function assertNothingLeft(processes: Record<string, number>, ports: Record<string, number>, dir: string): Promise<void> {
  assert.ok(Object.keys(processes).length >= 10, `the demo reported its processes: ${JSON.stringify(processes)}`);
  assert.ok(Object.keys(processes).some((n) => n.startsWith('medic dev child')), 'the Temporal server under medic dev is counted too');
  const running = Object.entries(processes).filter(([, pid]) => alive(pid));
  assert.deepEqual(running, [], 'every process the demo started has exited');
  const listening: string[] = [];
  for (const [name, port] of Object.entries(ports)) if ((await canConnect('127.0.0.1', port, 500)).ok) listening.push(`${name}:${port}`);
  assert.deepEqual(listening, [], 'no port the demo used is still listening');
  assert.equal(existsSync(dir), false, `the temporary folder ${dir} is removed`);
}

describe('npm run demo', () => {
  it('runs the restart, rollback and approval scenarios to recovery, then leaves nothing running', async (t) => {
    const demo = startDemo('npm', ['run', '--silent', 'demo', '--', '--auto', '--json-summary']);
    const code = await exitWithin(demo, DEMO_TIMEOUT_MS);
    const summary = jsonLine<JsonSummary>(demo.output, 'summary');

    t.diagnostic(`the demo took ${summary.durationSeconds} s`);
    assert.equal(code, 0, demo.output.slice(-3_000));
    assert.equal(summary.ok, true);
    assert.ok(summary.durationSeconds < 180, `the demo took ${summary.durationSeconds} s`);
    assert.deepEqual(
      summary.scenarios.map((s) => [s.scenario, s.service, s.outcome, s.asExpected]),
      [
        ['restart', 'web-b', 'recovered', true],
        ['rollback', 'web-a', 'recovered', true],
        ['approval', 'web-c', 'recovered', true],
      ],
    );
    const [restart, rollback, approval] = summary.scenarios;
    assert.deepEqual(restart?.steps, ['isolate web-b', 'diagnose web-b', 'restart web-b (first attempt)', 'verify web-b after restart', 'rejoin web-b']);
    assert.ok(rollback?.steps.includes('roll back web-a') && rollback.steps.includes('verify web-a after rollback'), rollback?.steps.join(', '));
    assert.equal(approval?.approvedBy, 'demo', 'the approval came from the medic approve command the demo ran');
    for (const s of summary.scenarios) {
      assert.match(s.incidentId, /^incident-[0-9a-f]{16}$/);
      assert.ok(s.mttrSeconds !== null && s.mttrSeconds > 0 && s.mttrSeconds < 60, `${s.scenario} MTTR ${s.mttrSeconds}`);
      assert.ok(demo.output.includes(`/namespaces/default/workflows/${s.incidentId}`), `the Web UI link of ${s.incidentId} is printed`);
    }

    // What the user watches: detection, the timeline as it grows, the approval command, the outcome.
    assert.match(demo.output, /Prometheus: HighErrorRate is firing for web-b/);
    assert.match(demo.output, /step-succeeded\s+isolate web-b: web\/web-b is in drain/);
    assert.match(demo.output, /step-succeeded\s+roll back web-a: rolled web-a back: v2 -> v1/);
    assert.match(demo.output, /approval-requested\s+waiting for approval: restart web-c\?/);
    assert.match(demo.output, /npx medic approve incident-[0-9a-f]{16} --by you --reason "/);
    assert.match(demo.output, /approved: restart web-c\? .*\(by demo\)/);
    assert.match(demo.output, /web-a now runs release v1/);
    assert.match(demo.output, /all three scenarios ended as described/);

    await assertNothingLeft(summary.processes, summary.ports, summary.dir);
  });

  it('Ctrl-C in the middle of an incident stops everything it started and removes its folder', async (t) => {
    const started = Date.now();
    const demo = startDemo(process.execPath, ['--import', 'tsx', 'demo/run-demo.ts', '--auto', '--json-summary']);
    await demo.waitFor(/"event":"ready"/, 120_000);
    const ready = jsonLine<Ready>(demo.output, 'ready');
    await demo.waitFor(/medic opened incident-/, 60_000);

    demo.child.kill('SIGINT'); // the demo alone, as tsx relays Ctrl-C to it
    const interruptedAt = Date.now();
    const code = await exitWithin(demo, 60_000);
    t.diagnostic(`interrupted after ${(interruptedAt - started) / 1000} s; stopped everything in ${(Date.now() - interruptedAt) / 1000} s`);
    const summary = jsonLine<JsonSummary>(demo.output, 'summary');

    assert.equal(code, 130, demo.output.slice(-3_000));
    assert.equal(summary.interrupted, true);
    assert.deepEqual(summary.cleanupFailures, []);
    assert.match(demo.output, /SIGINT: stopping everything the demo started/);
    // PIDs at start and at the end: a service restarted by the incident has a new one.
    const before = Object.fromEntries(Object.entries(ready.processes).map(([name, pid]) => [`${name} (at start)`, pid]));
    await assertNothingLeft({ ...before, ...summary.processes }, summary.ports, summary.dir);
  });
});
