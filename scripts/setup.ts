// Provision what medic needs beside npm packages: the pinned Temporal CLI under .tools/ and,
// with --test-tools, the pinned time-skipping test server under .tools/ and the Debian programs the
// tests start (HAProxy, Prometheus, Alertmanager, Chromium, and openssl and curl for a documented example).
// Runs before `npm run dev` and `npm test`; does nothing when all is in place.
import { readEnv } from '../src/config/env.js';
import { ensureSystemTools, SYSTEM_TOOLS } from '../src/setup/system-packages.js';
import { resolveTemporalCli } from '../src/temporal/temporal-cli.js';
import { resolveTestServer } from '../src/temporal/test-server.js';

async function main(): Promise<void> {
  const env = readEnv();
  const cli = resolveTemporalCli({ install: true, explicit: env.TEMPORAL_CLI });
  console.log(`medic setup: Temporal CLI at ${cli}`);
  if (process.argv.includes('--test-tools')) {
    const testServer = resolveTestServer({ install: true, explicit: env.TEMPORAL_TEST_SERVER });
    console.log(`medic setup: time-skipping test server at ${testServer}`);
    ensureSystemTools((line) => console.log(`medic setup: ${line}`));
    console.log(`medic setup: ${SYSTEM_TOOLS.map((t) => t.command).join(', ')} are installed`);
  }
}

main().catch((err: unknown) => {
  console.error(`medic setup failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
