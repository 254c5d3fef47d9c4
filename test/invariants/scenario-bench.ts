import { WithStartWorkflowOperation } from '@temporalio/client';
import type { MedicActivities } from '../../activities/contract.js';
import { guardLimitsOf } from '../../activities/guards/guard-limits-view.js';
import { guardWorkflowId, pinLimitsUpdate } from '../../workflows/guards/definitions.js';
import type { GuardConfigView } from '../../activities/guards/guard-activities.js';
import { GuardsSchema } from '../../src/config/guards-schema.js';
import { RestartableWorker, type TestServer } from '../helpers/time-skipping.js';
import type { RecordingFleet } from './recording-fleet.js';
import { POOL } from './scenario-model.js';

/** The guards' defaults (restart budget 3 an hour); each scenario adds its own pool. */
export const GUARDS = GuardsSchema.parse({});

/**
 * One medic worker and one guard workflow for every scenario of a test file (a worker takes more
 * than half a second to start on a busy machine). Its activities go to the fleet of the scenario
 * now playing; the guards learn each scenario's pool as it starts.
 */
export class ScenarioBench {
  private fleet: RecordingFleet | undefined;
  private readonly view: GuardConfigView = { guards: GUARDS, targets: {} };
  readonly worker: RestartableWorker;

  constructor(
    readonly ts: TestServer,
    readonly taskQueue: string,
  ) {
    const call =
      (name: keyof MedicActivities) =>
      (input: never): Promise<never> => {
        const fleet = this.fleet;
        if (fleet === undefined) throw new Error(`${name} called between scenarios: a workflow of an earlier scenario is still acting`);
        return (fleet.activities[name] as (i: never) => Promise<never>)(input);
      };
    const activities = Object.fromEntries(ACTIVITY_NAMES.map((n) => [n, call(n)])) as unknown as MedicActivities;
    this.worker = new RestartableWorker(ts, taskQueue, activities, this.view);
  }

  /**
   * The guards apply the limits they pinned, whichever worker asks: a new pool is a new
   * configuration, adopted on purpose as `medic guards adopt-config` does.
   */
  async switchTo(fleet: RecordingFleet | undefined, pool: { name: string; members: string[] } | undefined): Promise<void> {
    this.fleet = fleet;
    if (pool === undefined) return;
    this.view.guards = GuardsSchema.parse({ pools: { ...this.view.guards.pools, [pool.name]: { maxIsolated: POOL.maxIsolated } } });
    for (const member of pool.members) (this.view.targets as Record<string, unknown>)[member] = { pool: pool.name };
    await this.ts.client.workflow.executeUpdateWithStart(pinLimitsUpdate, {
      args: [{ limits: guardLimitsOf(this.view), mode: 'adopt', by: 'scenario bench', reason: `pool ${pool.name} added` }],
      startWorkflowOperation: new WithStartWorkflowOperation('guardWorkflow', {
        workflowId: guardWorkflowId(this.taskQueue),
        taskQueue: this.taskQueue,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [],
      }),
    });
  }
}

const ACTIVITY_NAMES = ['isolate', 'rejoin', 'diagnose', 'restart', 'verify', 'rollback', 'rollforward', 'escalate'] as const satisfies readonly (keyof MedicActivities)[];
