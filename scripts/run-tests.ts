// Runs the test suite against one real Temporal dev server for the whole run.
// The server is started from the project's own Temporal CLI (see scripts/setup.ts), never downloaded.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEnv } from '../src/config/env.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { resolveTemporalCli } from '../src/temporal/temporal-cli.js';

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
  try {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${process.env['MEDIC_TEST_CONCURRENCY'] ?? '2'}`, ...files],
      {
        cwd: ROOT,
        stdio: 'inherit',
        env: { ...process.env, MEDIC_TEST_TEMPORAL_ADDRESS: server.address, MEDIC_TEMPORAL_CLI_PATH: cliPath },
      },
    );
    return await new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  } finally {
    await server.teardown();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`test run failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
