import { z } from 'zod';
import { durationWithDefault } from './duration-schema.js';

/** "1" or "33%": how many members of a pool may be out of rotation at once. */
const maxIsolated = z.union([
  z.number().int().min(0),
  z.string().regex(/^\d{1,3}%$/, 'write a count (1) or a percentage of the pool ("33%")'),
]);

/**
 * Safety limits that hold across incidents (kept durable in Temporal by the guard workflow).
 * Defaults are the careful ones: a pool not listed may lose a third of its members at most,
 * never its last one, and a target gets three automated restarts an hour.
 */
export const GuardsSchema = z
  .object({
    pools: z.record(z.string(), z.object({ maxIsolated }).strict()).default({}),
    restartBudget: z
      .object({ max: z.number().int().min(0).default(3), window: durationWithDefault('1 hour') })
      .strict()
      .prefault({}),
    /**
     * How often an incident waiting for a target checks that the holder is still running: a holder
     * terminated by hand never gives the target back, and its waiters would wait forever.
     */
    holderCheck: durationWithDefault('1 minute'),
    /**
     * How long an incident waits for the guards to answer one ask before asking again (with the
     * same request id: the guards answer a repeat from their record, never apply it twice).
     */
    answerDeadline: durationWithDefault('30 seconds'),
    /** Asks in all before the incident stops waiting: it pages a human and holds, changing nothing. */
    asks: z.number().int().min(1).max(20).default(4),
  })
  .strict()
  .prefault({});

export type GuardsConfig = z.infer<typeof GuardsSchema>;

/** The most members of a pool of `size` that may be isolated at once. */
export function poolLimit(config: GuardsConfig, pool: string, size: number): number {
  const rule = Object.hasOwn(config.pools, pool) ? config.pools[pool]?.maxIsolated : undefined;
  if (rule === undefined) return Math.min(Math.floor(size / 3), Math.max(0, size - 1));
  if (typeof rule === 'number') return rule;
  return Math.floor((size * Number(rule.slice(0, -1))) / 100);
}
