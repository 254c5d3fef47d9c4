// Runs the test suite against one real Temporal dev server for the whole run.
// The server is started from the project's own Temporal CLI (see scripts/setup.ts), never downloaded.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEnv } from '../src/config/env.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { resolveTemporalCli } from '../src/temporal/temporal-cli.js';
import { formatSummary, readRows, SUMMARY_ENV } from './chaos-summary.js';

/** Longest any one test (or suite) may take; the slowest, the alert storm, needs about 2 minutes. */
const TEST_TIMEOUT_MS = 480_000;
/**
 * The generated scenarios stop exploring after their own 5-minute budget, then shrink what broke
 * (15 s an invariant) and replay it: their file gets more room than the rest.
 */
const INVARIANTS_TIMEOUT_MS = 900_000;

const ROOT = fileURLToPath(new URL('../', import.meta.url));

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [relative(ROOT, path)] : [];
  });
}

async function main(): Promise<number> {
  const filter = process.argv.slice(2);
  const files = testFiles(join(ROOT, 'test')).filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)));
  if (files.length === 0) throw new Error(`no test files match ${filter.join(' ')}`);
  const cliPath = resolveTemporalCli({ install: false, explicit: readEnv().TEMPORAL_CLI });
  const server = await startDevServer({ cliPath });
  console.log(`temporal dev server for tests at ${server.address} (${cliPath})`);
  // One summary file per run, so concurrent runs in the same checkout never mix their figures.
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  const summaryFile = join(ROOT, 'test-results', `chaos-summary-${process.pid}.jsonl`);
  try {
    // The generated-scenario test times real workflows on a virtual clock: it runs on its own,
    // after the rest, so the load of other suites does not decide its interleavings.
    const alone = files.filter((f) => f.startsWith(join('test', 'invariants')));
    const passes = [files.filter((f) => !alone.includes(f)), alone].filter((p) => p.length > 0);
    const env = { ...process.env, MEDIC_TEST_TEMPORAL_ADDRESS: server.address, MEDIC_TEMPORAL_CLI_PATH: cliPath, [SUMMARY_ENV]: summaryFile };
    const totals = { pass: 0, fail: 0 };
    let code = 0;
    for (const [i, pass] of passes.entries()) {
      const tap = join(ROOT, 'test-results', `tap-${process.pid}-${i}.txt`);
      code = Math.max(code, await runPass(pass, env, tap, pass === alone ? INVARIANTS_TIMEOUT_MS : TEST_TIMEOUT_MS));
      for (const [, key, n] of readFileSync(tap, 'utf8').matchAll(/^# (pass|fail) (\d+)$/gm)) totals[key as 'pass' | 'fail'] += Number(n);
      rmSync(tap, { force: true });
    }
    printChaosSummary(summaryFile);
    // One closing line for the whole run, both passes together.
    console.log(`\n${totals.pass} passed, ${totals.fail} failed`);
    return code;
  } finally {
    await server.teardown();
  }
}

/** The reliability and hostile-input figures of this run (issue 6), when those suites ran. */
function printChaosSummary(file: string): void {
  const rows = readRows(file);
  if (rows.length === 0) return;
  console.log(`\nreliability and hostile input (test/chaos, test/security):\n${formatSummary(rows)}`);
  copyFileSync(file, join(ROOT, 'test-results', 'chaos-summary.jsonl'));
  rmSync(file, { force: true });
}

/** One `node --test` over these files: the spec report on the terminal, TAP into a file for the totals. */
async function runPass(files: string[], env: NodeJS.ProcessEnv, tapFile: string, timeoutMs: number): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapFile}`,
      `--test-concurrency=${process.env['MEDIC_TEST_CONCURRENCY'] ?? '2'}`,
      // A test that hangs fails, loudly, instead of holding the run until CI kills it.
      `--test-timeout=${process.env['MEDIC_TEST_TIMEOUT_MS'] ?? String(timeoutMs)}`,
      ...files,
    ],
    { cwd: ROOT, stdio: 'inherit', env },
  );
  return new Promise<number>((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`test run failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
