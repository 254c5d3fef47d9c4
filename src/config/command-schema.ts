import { z } from 'zod';
import type { CommandEffect } from '../../activities/contract.js';
import { argvSchema } from './argv-schema.js';
import { durationMs } from './duration-schema.js';
import { SecretRefSchema } from './secret-ref.js';

// The `command` activity's section of a target: named actions, each a fixed argv. A playbook names
// the action (`with: { action: 'cleanup', effect: 'changes' }`); the argv, environment and working
// folder come only from here, so nothing in an alert can become part of a command line.

/** The longest a configured command may run: the command step's own limit is a minute above it. */
export const COMMAND_TIMEOUT_MAX_MS = 10 * 60_000;

/** What a command does to its target, as the kill switch and the safe-undo rule need to know. */
export const CommandEffectSchema = z.enum(['changes', 'read-only'] as const satisfies readonly CommandEffect[]);
export type { CommandEffect };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A record whose keys must match `name`. Checked here rather than by a key schema, whose error
 * says only "Invalid key in record": this one names the key and says what it must be.
 */
const namedRecord = <V extends z.ZodType>(value: V, name: RegExp, message: string) =>
  z.record(z.string(), value).superRefine((record, ctx) => {
    for (const key of Object.keys(record)) if (!name.test(key)) ctx.addIssue({ code: 'custom', path: [key], message });
  });
/** Action names appear in playbooks and timelines: plain words only. */
const ACTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const CommandSchema = z
  .object({
    /** The program and its arguments, one list item each; never a shell string. */
    argv: argvSchema,
    /**
     * Whether it changes the target (held by `medic pause`, and the target may rejoin only after a
     * verify that passed since) or only reads. Required: medic cannot tell from the argv.
     */
    effect: CommandEffectSchema,
    /** Time allowed before the command's whole process group is killed (default 2 minutes, at most 10). */
    timeout: durationMs
      .prefault('2 minutes')
      .refine((ms) => ms <= COMMAND_TIMEOUT_MAX_MS, 'must be at most 10 minutes: the command step allows 11. To fix: shorten it, or split the work into several actions'),
    /** Extra environment (added to the worker's): a literal, `{ env: NAME }` or `{ file: path }`. Values are never shown. */
    env: namedRecord(SecretRefSchema, ENV_NAME, 'must be an environment variable name, e.g. CLEANUP_TOKEN').default({}),
    /** Working folder (default: the worker's). */
    cwd: z.string().min(1).optional(),
    /**
     * Retry a non-zero exit or a timeout (with the careful profile: 3 attempts). Default false: medic
     * cannot know a command is safe to repeat, and most failures (a bad path, a full disk) fail the
     * same way again; set it for an idempotent command with transient failures.
     */
    retryable: z.boolean().default(false),
    description: z.string().optional(),
  })
  .strict();

export const CommandsSchema = namedRecord(CommandSchema, ACTION_NAME, 'must be an action name: letters, digits, "-", "_" or "." (e.g. cleanup-tmp)');

export type CommandConfig = z.infer<typeof CommandSchema>;
export type CommandsConfig = z.infer<typeof CommandsSchema>;
