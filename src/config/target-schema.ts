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

/** Sections a user's extension adds to targets (its `sections` export), by name. */
const extensionSections = new Map<string, z.ZodType>();

/** Add a section to the target schema; a name medic uses already, or another's, is an error. */
export function registerTargetSection(name: string, schema: z.ZodType, from: string): void {
  if (Object.hasOwn(TargetSchema.shape, name)) {
    throw new Error(`${from}: the target section "${name}" is one of medic's own. To fix: name your section differently`);
  }
  const existing = extensionSections.get(name);
  if (existing !== undefined && existing !== schema) throw new Error(`${from}: two extensions add a target section "${name}". To fix: rename one of them`);
  extensionSections.set(name, schema);
}

/** The target schema with every section extensions added (each optional, checked like medic's own). */
export function targetSchema(): typeof TargetSchema {
  if (extensionSections.size === 0) return TargetSchema;
  return TargetSchema.extend(Object.fromEntries([...extensionSections].map(([name, schema]) => [name, schema.optional()]))) as unknown as typeof TargetSchema;
}
