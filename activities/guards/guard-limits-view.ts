import { poolLimit } from '../../src/config/guards-schema.js';
import { canonicalLimits, type GuardLimits } from '../../workflows/guards/guard-limits.js';
import type { GuardConfigView } from './guard-activities.js';

/**
 * This worker's guard configuration in the canonical form the guards pin: every pool with its
 * members and its limit resolved to a count, and the restart budget. Two workers give equal
 * limits (and hashes) exactly when they would apply the same limits.
 */
export function guardLimitsOf(view: GuardConfigView): GuardLimits {
  const members = new Map<string, string[]>();
  for (const pool of Object.keys(view.guards.pools)) members.set(pool, []);
  for (const [target, config] of Object.entries(view.targets)) {
    if (config?.pool === undefined) continue;
    members.set(config.pool, [...(members.get(config.pool) ?? []), target]);
  }
  return canonicalLimits({
    pools: [...members].map(([name, list]) => ({ name, members: list, maxIsolated: poolLimit(view.guards, name, list.length) })),
    restartBudget: { max: view.guards.restartBudget.max, windowMs: view.guards.restartBudget.window },
  });
}
