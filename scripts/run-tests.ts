// Runs the test suite against one real Temporal dev server for the whole run.
// The server is started from the project's own Temporal CLI (see scripts/setup.ts), never downloaded.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEnv } from '../src/config/env.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { resolveTemporalCli } from '../src/temporal/temporal-cli.js';
import { formatSummary, readRows, SUMMARY_ENV } from './chaos-summary.js';

/** Longest any one test (or suite) may take; the slowest, the alert storm, needs about 2 minutes. */
const TEST_TIMEOUT_MS = 480_000;

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
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        '--test-reporter=spec',
        `--test-concurrency=${process.env['MEDIC_TEST_CONCURRENCY'] ?? '2'}`,
        // A test that hangs fails, loudly, instead of holding the run until CI kills it.
        `--test-timeout=${process.env['MEDIC_TEST_TIMEOUT_MS'] ?? String(TEST_TIMEOUT_MS)}`,
        ...files,
      ],
      {
        cwd: ROOT,
        stdio: 'inherit',
        env: { ...process.env, MEDIC_TEST_TEMPORAL_ADDRESS: server.address, MEDIC_TEMPORAL_CLI_PATH: cliPath, [SUMMARY_ENV]: summaryFile },
      },
    );
    const code = await new Promise<number>((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
    printChaosSummary(summaryFile);
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

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`test run failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
