import { log } from '@temporalio/workflow';
import { changesTarget, declarationOf } from '../../activities/declarations.js';
import type { Params } from '../definitions.js';
import { failureFacts, runStep, STOPPED, type StepEnv } from './step-runner.js';
import { verifiedSinceLastChange } from './target-facts.js';

/** An undo registered by a successful step (from its activity's declaration). */
export interface CompensationSpec {
  name: string;
  activity: string;
  params?: Params;
}

export interface UndoReport {
  failed: string[];
  /** Undos not run because running them was not safe; the target is left as it is. */
  skipped: string[];
}

/**
 * The saga's undo list. Each successful step whose activity declares an undo pushes it; on
 * failure or abort the undos run newest first. Only safe undos run: one that would put the target
 * back into rotation runs only after a verify that passed since the last change (the undo runs
 * that verify itself if needed), and none that changes the target runs while medic is paused.
 * A failing undo is recorded and the rest still run. Plain data: it crosses continue-as-new.
 */
export class CompensationStack {
  constructor(private readonly stack: CompensationSpec[] = []) {}

  push(spec: CompensationSpec): void {
    this.stack.push(spec);
  }

  /** Forget every undo: the playbook succeeded and its changes are meant to stay. */
  clear(): void {
    this.stack.length = 0;
  }

  /** Undos not yet run, newest first: what is "left in place" if the incident closes now. */
  pending(): CompensationSpec[] {
    return [...this.stack].reverse();
  }

  snapshot(): CompensationSpec[] {
    return [...this.stack];
  }

  /** Run every pending undo that is safe, newest first. Callers wrap this in a non-cancellable scope. */
  async runAll(env: StepEnv, reason: string, isPaused: () => boolean): Promise<UndoReport> {
    const report: UndoReport = { failed: [], skipped: [] };
    // Undos are the engine's, not the playbook's: any declared activity, no kill-switch hold (a
    // pause skips them instead, so an abort still ends), but the guards still hear of a rejoin.
    const undoEnv: StepEnv = {
      ...env,
      allowed: undefined,
      ...(env.guards !== undefined && { guards: { beforeAttempt: async () => undefined, afterStep: env.guards.afterStep.bind(env.guards) } }),
    };
    for (let spec = this.stack.pop(); spec !== undefined; spec = this.stack.pop()) {
      const declaration = declarationOf(spec.activity);
      if (!env.dryRun && changesTarget(declaration.effect) && isPaused()) {
        skip(env, spec, `medic is paused, so nothing changes ${env.target}; it is left as it is for a human`, report);
        continue;
      }
      if (!env.dryRun && declaration.effect === 'puts-back' && !verifiedSinceLastChange(env.facts) && !(await verifyBefore(undoEnv, spec))) {
        skip(env, spec, `${env.target} did not pass a verify after the last change made to it, so it stays OUT of rotation`, report);
        continue;
      }
      env.timeline.add('compensation-started', `undoing: ${spec.name} (${reason})`, { step: spec.name });
      // A pause that comes between two attempts of an undo stops it too: no attempt starts after it.
      const stopIf = () => !env.dryRun && changesTarget(declaration.effect) && isPaused();
      try {
        const out = await runStep(undoEnv, spec.name, spec.activity, { retry: 'compensation', stopIf, ...(spec.params !== undefined && { params: spec.params }) });
        env.timeline.add('compensation-succeeded', `undone: ${spec.name}: ${out.summary}`, { step: spec.name });
      } catch (err) {
        const facts = failureFacts(err);
        if (facts.type === STOPPED) {
          skip(env, spec, `medic was paused between its attempts, so nothing more changes ${env.target}; it is left as it is for a human`, report);
          continue;
        }
        log.error('compensation failed', { step: spec.name, error: facts.message });
        env.timeline.add('compensation-failed', `could not undo ${spec.name}: ${facts.message}`, { step: spec.name });
        report.failed.push(spec.name);
      }
    }
    return report;
  }
}

/** The verify an undo needs before it puts the target back; false when it did not pass. */
async function verifyBefore(env: StepEnv, spec: CompensationSpec): Promise<boolean> {
  try {
    const result = await runStep(env, `verify ${env.target} before ${spec.name}`, 'verify');
    return result.healthy;
  } catch (err) {
    env.timeline.add('note', `could not verify ${env.target} before ${spec.name}: ${failureFacts(err).message}`);
    return false;
  }
}

function skip(env: StepEnv, spec: CompensationSpec, why: string, report: UndoReport): void {
  env.timeline.add('compensation-skipped', `not undone: ${spec.name}: ${why}`, { step: spec.name, data: { activity: spec.activity } });
  report.skipped.push(spec.name);
}
