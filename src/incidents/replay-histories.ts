import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { MEDIC_BUNDLER_OPTIONS } from '../worker/create-worker.js';
import { bundleWorkflowCode, Worker, type BundleOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { isMissingKeyError } from '../temporal/encryption-codec.js';
import { explainReplayFailure, type ReplayFailure } from './replay-explain.js';
import { ReplayInputError, type RecordedHistory } from './replay-sources.js';

/** One run's replay: who it was, whether today's code replays it, and how long that took. */
export interface ReplayOutcome {
  source: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  playbook: string;
  events: number;
  ok: boolean;
  ms: number;
  failure?: ReplayFailure;
}

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const ENTRY_NAMES = ['index.ts', 'index.js', 'index.mjs', join('workflows', 'index.ts'), join('workflows', 'index.js')];

/**
 * The workflow bundle's entry a `--workflows` value names: a file, a folder with an index, or a
 * medic checkout (its workflows/index.ts).
 */
export function resolveWorkflowsPath(path: string): string {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new ReplayInputError(`--workflows ${path} does not exist. To fix: name the workflow bundle's entry (workflows/index.ts in a medic checkout) or the checkout itself`);
  if (statSync(absolute).isFile()) return absolute;
  const entry = ENTRY_NAMES.map((n) => join(absolute, n)).find((p) => existsSync(p));
  if (entry === undefined) throw new ReplayInputError(`--workflows ${path} is a folder without ${ENTRY_NAMES.join(', ')}. To fix: name the workflow bundle's entry file`);
  return entry;
}

/**
 * Bundle the workflow code the way the worker does, with the same converters: replay must run
 * exactly what a worker would. A bundle that does not build is an input problem, said as such.
 */
export async function bundleForReplay(source: { workflowsPath: string; webpackConfigHook?: BundleOptions['webpackConfigHook'] }, dataConverter?: DataConverter): Promise<WorkflowBundleWithSourceMap> {
  const { workflowsPath } = source;
  try {
    return await bundleWorkflowCode({
      workflowsPath,
      logger: quiet,
      ...MEDIC_BUNDLER_OPTIONS,
      ...(source.webpackConfigHook !== undefined && { webpackConfigHook: source.webpackConfigHook }),
      ...(dataConverter?.failureConverterPath !== undefined && { failureConverterPath: dataConverter.failureConverterPath }),
      ...(dataConverter?.payloadConverterPath !== undefined && { payloadConverterPath: dataConverter.payloadConverterPath }),
    });
  } catch (err) {
    throw new ReplayInputError(`the workflow code at ${workflowsPath} does not bundle: ${(err as Error).message}. To fix: make it build (npx tsc --noEmit) before replaying`);
  }
}

/**
 * Replay each history on the bundle, one at a time (the SDK's replay worker takes them in order
 * and answers each before the next), so histories fetched from a cluster stream through.
 */
export async function* replayHistories(
  workflowBundle: WorkflowBundleWithSourceMap,
  histories: AsyncIterable<RecordedHistory> | Iterable<RecordedHistory>,
  dataConverter?: DataConverter,
): AsyncGenerator<ReplayOutcome> {
  let current: RecordedHistory | undefined;
  let startedAt = 0;
  async function* feed() {
    for await (const h of histories) {
      current = h;
      startedAt = performance.now();
      yield { workflowId: h.workflowId, history: h.history };
    }
  }
  const options = { workflowBundle, logger: quiet, replayName: 'medic-replay', ...(dataConverter !== undefined && { dataConverter }) };
  for await (const result of Worker.runReplayHistories(options, feed())) {
    const h = current;
    if (h === undefined) continue; // the SDK answers only histories it was given
    // Not a verdict on the code: without the workers' key no history of this namespace can replay.
    if (isMissingKeyError(result.error)) {
      throw new ReplayInputError(`${h.workflowId} (run ${h.runId}) is encrypted and medic has no key to read it, so it cannot be replayed. To fix: set MEDIC_ENCRYPTION_KEY or MEDIC_ENCRYPTION_KEY_FILE as for the worker`);
    }
    const { history, ...named } = h;
    yield {
      ...named,
      runId: h.runId !== '' ? h.runId : result.runId,
      events: history.events?.length ?? 0,
      ok: result.error === undefined,
      ms: Math.round(performance.now() - startedAt),
      ...(result.error !== undefined && { failure: explainReplayFailure(result.error, h) }),
    };
  }
}
