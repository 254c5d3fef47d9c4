import { z } from 'zod';
import { regexSource } from './regex-schema.js';
import { findPlaybook, playbookNames } from '../../playbooks/index.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const targetName = z.string().regex(NAME, 'must be a name of letters, digits, . _ - (max 128)');

const playbookName = z.string().superRefine((name, ctx) => {
  if (findPlaybook(name) === undefined) ctx.addIssue({ code: 'custom', message: `unknown playbook; known playbooks: ${playbookNames().join(', ')}` });
});

/** Where a matched alert goes: a playbook, a target, and the playbook's parameters. */
const actionFields = {
  playbook: playbookName,
  /** A fixed target name from `targets`. */
  target: targetName.optional(),
  /** Or: take the target name from this label of the alert (looked up in `targets` when a step runs). */
  targetFromLabel: z.string().min(1).optional(),
  params: z.record(z.string(), z.json()).default({}),
  dryRun: z.boolean().default(false),
};

const oneTarget = (r: { target?: string | undefined; targetFromLabel?: string | undefined }) =>
  (r.target === undefined) !== (r.targetFromLabel === undefined);
const oneTargetMessage = { message: 'set exactly one of "target" or "targetFromLabel"' };

export const RouteActionSchema = z.object(actionFields).strict().refine(oneTarget, oneTargetMessage);

export const RouteSchema = z
  .object({
    name: z.string().min(1),
    /** Label equality: every listed label must have exactly this value. */
    match: z.record(z.string(), z.string()).default({}),
    /** Label regular expressions, anchored: every listed label must match in full. */
    matchRegex: z.record(z.string(), regexSource).default({}),
    ...actionFields,
  })
  .strict()
  .refine(oneTarget, oneTargetMessage);

export type Route = z.infer<typeof RouteSchema>;
export type RouteAction = z.infer<typeof RouteActionSchema>;
