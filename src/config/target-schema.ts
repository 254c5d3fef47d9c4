import { z } from 'zod';

/**
 * One entry of the inventory: how medic reaches a target when a step runs.
 * Activities look targets up by name; alerts never carry addresses.
 */
export const TargetSchema = z
  .object({
    description: z.string().optional(),
    /** Members of one pool share a blast-radius limit (never isolate them all). */
    pool: z.string().optional(),
  })
  .strict();

export type TargetConfig = z.infer<typeof TargetSchema>;
