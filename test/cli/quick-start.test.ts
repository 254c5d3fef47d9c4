import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort, PROJECT_ROOT, runMedic, startMedic, type LongRunning } from '../helpers/processes.js';
import { eventually } from '../helpers/temporal.js';

// The README's quick start, command by command, as a newcomer types it: its commands are read
// from the README itself, so the text and what medic does cannot drift apart.

const dir = mkdtempSync(join(tmpdir(), 'medic-quick-start-'));
let dev: LongRunning | undefined;
after(async () => {
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function quickStart(): string {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Quick start');
  assert.ok(start >= 0, 'the README has a quick start');
  return readme.slice(start, readme.indexOf('\n## ', start + 1));
}

/** `npx medic ...` lines of the code blocks, and `npx medic ...` in inline code, in order. */
function medicCommands(section: string): string[] {
  const found: Array<[number, string]> = [];
  for (const m of section.matchAll(/^npx medic (.+?)(?:\s+#.*)?$/gm)) found.push([m.index, m[1] ?? '']);
  for (const m of section.matchAll(/`npx medic ([^`]+)`/g)) found.push([m.index, m[1] ?? '']);
  return found.sort((a, b) => a[0] - b[0]).map(([, c]) => c.trim());
}

/** Split a command as a shell would for these simple lines: spaces, and "double quotes". */
function argv(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

interface Shown {
  timeline: Array<{ kind: string; step?: string; message: string }>;
}

describe('the quick start', () => {
  it('installs with npm ci, and its commands run with no failed step and the Web UI link medic dev serves', async () => {
    const section = quickStart();
    assert.match(section, /^npm ci && npm run dev$/m, 'the quick start installs what the lockfile locks');
    const commands = medicCommands(section);
    assert.ok(commands.length >= 5, `the quick start's medic commands: ${commands.join(' | ')}`);

    const [port, uiPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const cli = process.env['MEDIC_TEMPORAL_CLI_PATH'];
    assert.ok(cli, 'the test runner provides the Temporal CLI path');
    // The example configuration, as `npm run dev` uses it; only the ports differ from the defaults.
    const env = { TEMPORAL_CLI: cli, TEMPORAL_ADDRESS: `127.0.0.1:${port}`, MEDIC_CONFIG: '', MEDIC_TASK_QUEUE: 'medic', MEDIC_WORKER_METRICS: `127.0.0.1:${metricsPort}` };
    dev = startMedic(['dev', '--port', String(port), '--ui-port', String(uiPort), '--db', join(dir, 'dev.sqlite')], env);
    await dev.waitFor(/worker ready/);

    const incidents: string[] = [];
    for (const command of commands) {
      const args = argv(command.replace(/incident-<[^>]*>/g, incidents[0] ?? 'incident-unknown'));
      if (args[0] === 'ack') {
        // Something to acknowledge: the first alert's escalation has gone out.
        await eventually('the escalation', async () => ((await runMedic(['show', incidents[0] ?? '', '--json'], env)).stdout.includes('escalated to a human') ? true : undefined), 60_000);
      }
      const r = await runMedic(args, env);
      assert.equal(r.code, 0, `medic ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
      const opened = /^opened (incident-[0-9a-f]+)/m.exec(r.stdout);
      if (opened?.[1] !== undefined) {
        incidents.push(opened[1]);
        assert.match(r.stdout, new RegExp(`web UI: +http://localhost:${uiPort}/namespaces/default/workflows/${opened[1]}$`, 'm'), 'the link points at the Web UI medic dev serves (--ui-port)');
      }
    }
    assert.equal(incidents.length, 2, 'the DiskFilling alert and the HighErrorRate dry run each opened an incident');

    for (const id of incidents) {
      const shown = await eventually(`${id} to have run its steps`, async () => {
        const r = await runMedic(['show', id, '--json'], env);
        const s = JSON.parse(r.stdout) as Shown;
        // A dry run that would recover settles like a real one (repeats join it), so it is still open.
        return s.timeline.some((e) => e.kind === 'escalated' || e.kind === 'outcome' || e.message.startsWith('recovered; staying open')) ? s : undefined;
      }, 60_000);
      const failed = shown.timeline.filter((e) => e.kind === 'step-failed');
      assert.deepEqual(failed, [], `${id}: no step fails in the quick start`);
      assert.ok(shown.timeline.some((e) => e.kind === 'step-succeeded' || e.kind === 'step-dry-run'), `${id} ran its steps (or listed them, in a dry run)`);
    }
  });
});
