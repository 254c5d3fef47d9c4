import { z } from 'zod';
import { PLAYBOOK_NAMES } from '../../playbooks/index.js';

// The configuration file (YAML). Checked once at start; every error names the bad field.

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const targetName = z.string().regex(NAME, 'must be a name of letters, digits, . _ - (max 128)');
const jsonValue: z.ZodType<unknown> = z.json();

const playbookName = z.string().refine((name) => PLAYBOOK_NAMES.includes(name), {
  message: `unknown playbook; known playbooks: ${PLAYBOOK_NAMES.join(', ')}`,
});

/** Where a matched alert goes: a playbook, a target, and the playbook's parameters. */
const RouteActionSchema = z
  .object({
    playbook: playbookName,
    /** A fixed target name from `targets`. */
    target: targetName.optional(),
    /** Or: take the target name from this label of the alert (resolved against `targets` when a step runs). */
    targetFromLabel: z.string().min(1).optional(),
    params: z.record(z.string(), jsonValue).default({}),
    dryRun: z.boolean().default(false),
  })
  .strict()
  .refine((r) => (r.target === undefined) !== (r.targetFromLabel === undefined), {
    message: 'set exactly one of "target" or "targetFromLabel"',
  });

const RouteSchema = z
  .object({
    name: z.string().min(1),
    /** Label equality: every listed label must have exactly this value. */
    match: z.record(z.string(), z.string()).default({}),
    /** Label regular expressions, anchored: every listed label must match in full. */
    matchRegex: z
      .record(
        z.string(),
        z.string().refine(
          (src) => {
            try {
              new RegExp(src);
              return true;
            } catch {
              return false;
            }
          },
          { message: 'is not a valid regular expression' },
        ),
      )
      .default({}),
  })
  .strict()
  .and(RouteActionSchema);

const TargetSchema = z
  .object({
    description: z.string().optional(),
    /** Members of one pool share a blast-radius limit (never isolate them all). */
    pool: z.string().optional(),
  })
  .strict();

const EscalationChannelSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('log') }).strict(),
]);

export const ConfigSchema = z
  .object({
    routes: z.array(RouteSchema).default([]),
    /** What an alert no route matched becomes; without it such alerts are recorded as unrouted. */
    defaultRoute: RouteActionSchema.optional(),
    targets: z.record(targetName, TargetSchema).default({}),
    escalation: z
      .object({ channels: z.array(EscalationChannelSchema).min(1) })
      .strict()
      .default({ channels: [{ type: 'log' }] }),
  })
  .strict();

export type MedicConfig = z.infer<typeof ConfigSchema>;
export type Route = z.infer<typeof RouteSchema>;
export type RouteAction = z.infer<typeof RouteActionSchema>;
