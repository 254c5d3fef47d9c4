import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { FilterError, parseSince } from '../incidents/list-incidents.js';
import { bundleForReplay, replayHistories, resolveWorkflowsPath, type ReplayOutcome } from '../incidents/replay-histories.js';
import { fetchHistories, readHistoryFolder, ReplayInputError, selectRuns, sourceLabel, type RecordedHistory } from '../incidents/replay-sources.js';
import { isMissingKeyError, MISSING_KEY_MESSAGE } from '../temporal/encryption-codec.js';
import { WORKFLOWS_PATH, workflowSource } from '../worker/create-worker.js';
import { CliError, EXIT } from './cli-error.js';
import { cliClient, cliConfig, cliDataConverter, cliEnv } from './context.js';
import type { MedicEnv } from '../config/env.js';
import { terminalSafe, terminalSafeJson } from './terminal-safe.js';

interface ReplayFlags {
  last?: string;
  since?: string;
  workflows?: string;
  extension?: string;
  taskQueue?: string;
  guards: boolean;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  # before deploying a playbook change: replay the last 50 incidents on the new code
  $ medic replay --last 50
  # every incident of the last 2 hours (or since a time), running or closed
  $ medic replay --since 2h
  $ medic replay --since 2026-11-30T08:00:00Z --workflows ../medic-next/workflows/index.ts
  # histories saved with: temporal workflow show --workflow-id ID --output json > histories/ID.json
  $ medic replay histories/
  # your own playbooks (docs/extensions.md): by default, the configuration's extension is bundled
  # beside medic's workflows, as medic worker does; or name the module to check
  $ MEDIC_CONFIG=medic.yaml medic replay --last 50
  $ medic replay --last 50 --extension ./src/workflows.ts
  # in CI: one JSON report, the exit code decides
  $ medic replay test/fixtures/histories --json > replay.json

Exit codes: 0 every history replays; 1 at least one does not (the output names each incident and
what to do); 2 bad flags, an unreadable history file, workflow code that does not bundle, or
encrypted histories and no key;
3 Temporal unreachable; 4 nothing to replay (no files, no incidents matched).`;

/** What can go wrong before any replay, as exit codes that scripts can tell apart. */
function asCliError(err: unknown): unknown {
  if (err instanceof ReplayInputError) return new CliError(err.message, err.kind === 'empty' ? EXIT.notFound : EXIT.usage);
  if (err instanceof FilterError) return new CliError(err.message, EXIT.usage);
  if (isMissingKeyError(err)) return new CliError(MISSING_KEY_MESSAGE, EXIT.usage);
  const code = (err as { code?: unknown }).code;
  if (code === 14 || code === 4) {
    return new CliError(`Temporal stopped answering while fetching histories: ${(err as Error).message}. To fix: check TEMPORAL_ADDRESS and that the server is up, then run medic replay again`, EXIT.unavailable);
  }
  return err;
}

function parseLast(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--last ${value} is not a count. To fix: give a whole number of incidents, e.g. --last 50`, EXIT.usage);
  return n;
}

function parseSinceFlag(value: string | undefined): Date | undefined {
  try {
    return value === undefined ? undefined : parseSince(value);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
}

/** The SDK's own logs would repeat each nondeterminism as a warning; the report says it better. */
function quietSdkRuntime(): void {
  Runtime.install({
    shutdownSignals: [],
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
    logger: new DefaultLogger('ERROR', (entry) => process.stderr.write(`temporal: ${entry.message}\n`)),
  });
}

const countOf = (n: number): string => `${n} ${n === 1 ? 'history' : 'histories'}`;

function printOutcome(o: ReplayOutcome): void {
  const who = `${terminalSafe(o.workflowId)}  run ${o.runId}  ${o.playbook !== '' ? `playbook ${terminalSafe(o.playbook)}` : o.workflowType}`;
  const where = o.source === 'cluster' ? '' : `  (${terminalSafe(sourceLabel(o))})`;
  if (o.failure === undefined) {
    console.log(`  ok    ${who}  ${o.events} events, ${o.ms} ms${where}`);
    return;
  }
  const f = o.failure;
  console.log(`  FAIL  ${who}${where}`);
  console.log(`        does not replay on this code: ${terminalSafe(f.explanation)}`);
  if (f.recordedSteps.length > 0) console.log(`        its recorded steps: ${terminalSafe(f.recordedSteps.slice(0, 12).join(' -> '))}${f.recordedSteps.length > 12 ? ' -> ...' : ''}`);
  console.log(`        Temporal says: ${terminalSafe(f.temporalMessage)}`);
  console.log(`        To fix: ${terminalSafe(f.toFix)}`);
}

/**
 * The code to check: what `medic worker` would bundle with this configuration (medic's workflows,
 * and the extension's playbooks beside them); --workflows and --extension each replace one part.
 */
async function codeToCheck(env: MedicEnv, flags: ReplayFlags): Promise<{ workflows: string; extension?: string }> {
  const workflows = resolveWorkflowsPath(flags.workflows ?? WORKFLOWS_PATH);
  if (flags.extension === undefined) {
    const configured = (await cliConfig(env)).extension?.workflows;
    return configured === undefined ? { workflows } : { workflows, extension: configured };
  }
  const extension = resolve(flags.extension);
  if (!existsSync(extension)) throw new CliError(`--extension ${flags.extension} does not exist. To fix: name your extension's workflows module (the file the configuration's extension.workflows names)`, EXIT.usage);
  return { workflows, extension };
}

async function runReplay(source: string | undefined, flags: ReplayFlags): Promise<void> {
  const last = parseLast(flags.last);
  const since = parseSinceFlag(flags.since);
  const fromCluster = last !== undefined || since !== undefined;
  if (fromCluster === (source !== undefined)) {
    throw new CliError('name either a folder of histories or --last N / --since WHEN (incidents fetched from Temporal). To fix: e.g. `medic replay histories/` or `medic replay --last 50`', EXIT.usage);
  }
  const env = cliEnv();
  const dataConverter = cliDataConverter(env);
  const code = await codeToCheck(env, flags);
  // Read and check every file before the (slower) bundle: a bad file is the first thing to fix.
  const fromFiles = source === undefined ? undefined : readHistoryFolder(source);
  const client: Client | undefined = fromCluster ? await cliClient(env) : undefined;
  try {
    let histories: Iterable<RecordedHistory> | AsyncIterable<RecordedHistory>;
    let count: number;
    if (client !== undefined) {
      const taskQueue = flags.taskQueue ?? env.MEDIC_TASK_QUEUE;
      const runs = await selectRuns(client, { taskQueue, guards: flags.guards, ...(last !== undefined && { last }), ...(since !== undefined && { since }) });
      if (runs.length === 0) throw new ReplayInputError(`no incidents on task queue "${taskQueue}"${since !== undefined ? ` started since ${since.toISOString()}` : ''}. To fix: check --task-queue (MEDIC_TASK_QUEUE) and TEMPORAL_NAMESPACE, or widen --since`, 'empty');
      histories = fetchHistories(client, runs);
      count = runs.length;
    } else {
      histories = fromFiles ?? [];
      count = fromFiles?.length ?? 0;
    }
    quietSdkRuntime();
    const bundleStart = performance.now();
    const bundle = await bundleForReplay(workflowSource(code.workflows, code.extension), dataConverter);
    const bundleMs = Math.round(performance.now() - bundleStart);
    const described = `${code.workflows}${code.extension !== undefined ? ` with the extension ${code.extension}` : ''}`;
    if (flags.json !== true) console.log(`replaying ${countOf(count)} on ${described} (bundled in ${bundleMs} ms)`);
    const replayStart = performance.now();
    const outcomes: ReplayOutcome[] = [];
    for await (const o of replayHistories(bundle, histories, dataConverter)) {
      outcomes.push(o);
      if (flags.json !== true) printOutcome(o);
    }
    const replayMs = Math.round(performance.now() - replayStart);
    const failed = outcomes.filter((o) => !o.ok);
    if (flags.json === true) {
      console.log(terminalSafeJson({ ok: failed.length === 0, ...code, histories: outcomes.length, failed: failed.length, bundleMs, replayMs, results: outcomes }));
    } else {
      const each = outcomes.length > 0 ? `, ${Math.round(replayMs / outcomes.length)} ms each` : '';
      const verdict = failed.length === 0 ? `${countOf(outcomes.length)} ${outcomes.length === 1 ? 'replays' : 'replay'} on this code` : `${failed.length} of ${countOf(outcomes.length)} ${failed.length === 1 ? 'does' : 'do'} not replay on this code: do not deploy this change as it is`;
      console.log(`${verdict} (${replayMs} ms${each})`);
    }
    if (failed.length > 0) process.exitCode = EXIT.failure;
  } finally {
    await client?.connection.close();
  }
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay [folder]')
    .description('check a workflow or playbook change before deploying it: replay recorded incident histories (a folder, or the last incidents in Temporal) on the current code')
    .option('--last <n>', 'the N most recently started incident runs on the task queue, running or closed')
    .option('--since <when>', 'incident runs started since: 30m, 2h, 7d or an ISO time')
    .option('--workflows <path>', "the workflow bundle's entry to check (default: this medic's workflows/index.ts); a file, or a checkout")
    .option('--extension <module>', "an extension's workflows module to check beside medic's workflows (default: the configuration's extension.workflows)")
    .option('--task-queue <name>', 'with --last / --since: the task queue incidents ran on (default: MEDIC_TASK_QUEUE, "medic")')
    .option('--no-guards', 'with --last / --since: leave out the running guard workflow of the task queue')
    .option('--json', 'print one JSON report (for CI); the exit code is the verdict')
    .addHelpText('after', EXAMPLES)
    .action(async (folder: string | undefined, flags: ReplayFlags) => {
      try {
        await runReplay(folder, flags);
      } catch (err) {
        throw asCliError(err);
      }
    });
}
