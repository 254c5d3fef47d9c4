import { z } from 'zod';
import { CommandsSchema } from './command-schema.js';
import { DiagnoseSchema } from './diagnose-schema.js';
import { HaproxyTargetSchema } from './haproxy-schema.js';
import { ProcessSchema } from './process-schema.js';
import { ReleaseSchema } from './release-schema.js';
import { VerifySchema } from './verify-schema.js';

/**
 * One entry of the inventory: how medic reaches a target when a step runs.
 * Activities look targets up by name; alerts never carry addresses. Each section enables the
 * steps that need it; a step whose section is missing fails at once and says what to add.
 */
export const TargetSchema = z
  .object({
    description: z.string().optional(),
    /** Members of one pool share a blast-radius limit (never isolate them all). */
    pool: z.string().optional(),
    /** isolate / rejoin: the target's server in an HAProxy backend. */
    haproxy: HaproxyTargetSchema.optional(),
    /** restart, and the process diagnose inspects. */
    process: ProcessSchema.optional(),
    /** verify: checks that must pass. */
    verify: VerifySchema.optional(),
    /** rollback / rollforward: the release folders. */
    release: ReleaseSchema.optional(),
    /** diagnose: log lines, a debug endpoint, the size cap. */
    diagnose: DiagnoseSchema.optional(),
    /** command: named actions, each a fixed argv (see command-schema.ts). */
    commands: CommandsSchema.optional(),
  })
  .strict();

export type TargetConfig = z.infer<typeof TargetSchema>;
