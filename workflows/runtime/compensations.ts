import { log } from '@temporalio/workflow';
import type { CompensationSpec } from './playbook-api.js';
import { RETRY } from './retry-profiles.js';
import { failureFacts, runStep, type StepEnv } from './step-runner.js';

/**
 * The saga's undo list. Each successful step with an undo pushes it; on failure or abort
 * the undos run newest first. A failing undo is recorded and the rest still run: one stuck
 * rejoin must not leave a rollback in place as well.
 */
export class CompensationStack {
  private readonly stack: CompensationSpec[] = [];

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

  /** Run every pending undo, newest first. Callers wrap this in a non-cancellable scope. */
  async runAll(env: StepEnv, reason: string): Promise<{ failed: string[] }> {
    const failed: string[] = [];
    for (let spec = this.stack.pop(); spec !== undefined; spec = this.stack.pop()) {
      env.timeline.add('compensation-started', `undoing: ${spec.name} (${reason})`, { step: spec.name });
      try {
        const out = await runStep(env, {
          name: spec.name,
          activity: spec.activity,
          ...(spec.params !== undefined && { params: spec.params }),
          ...(spec.timeout !== undefined && { timeout: spec.timeout }),
          ...(spec.heartbeatTimeout !== undefined && { heartbeatTimeout: spec.heartbeatTimeout }),
          retry: RETRY.compensation,
          dryRunResult: { summary: 'dry run' } as never,
        }, { compensating: true });
        env.timeline.add('compensation-succeeded', `undone: ${spec.name}: ${out.summary}`, { step: spec.name });
      } catch (err) {
        const facts = failureFacts(err);
        log.error('compensation failed', { step: spec.name, error: facts.message });
        env.timeline.add('compensation-failed', `could not undo ${spec.name}: ${facts.message}`, {
          step: spec.name,
        });
        failed.push(spec.name);
      }
    }
    return { failed };
  }
}
