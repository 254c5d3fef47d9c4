// Provision what medic needs beside npm packages: the pinned Temporal CLI under .tools/.
// Runs before `npm run dev` and `npm test`; does nothing when all is in place.
import { readEnv } from '../src/config/env.js';
import { resolveTemporalCli } from '../src/temporal/temporal-cli.js';

async function main(): Promise<void> {
  const env = readEnv();
  const cli = resolveTemporalCli({ install: true, explicit: env.TEMPORAL_CLI });
  console.log(`medic setup: Temporal CLI at ${cli}`);
}

main().catch((err: unknown) => {
  console.error(`medic setup failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
