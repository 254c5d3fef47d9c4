import { z } from 'zod';
import { EscalationSchema } from './escalation-schema.js';
import { GuardsSchema } from './guards-schema.js';
import { IntakeSchema } from './intake-schema.js';
import { RouteActionSchema, RouteSchema, targetName } from './route-schema.js';
import { checkRoute } from './route-checks.js';
import { TargetSchema } from './target-schema.js';

// The configuration file (YAML). Checked once at start; every error names the bad field.
export const ConfigSchema = z
  .object({
    /** Tried in order; the first whose labels match wins. */
    routes: z.array(RouteSchema).default([]),
    /** What an alert no route matched becomes; without it such alerts are recorded as unrouted. */
    defaultRoute: RouteActionSchema.optional(),
    targets: z.record(targetName, TargetSchema).default({}),
    escalation: EscalationSchema,
    /** Limits that hold across incidents: blast radius per pool, restart budget per target. */
    guards: GuardsSchema,
    /** `medic intake`: how long one request may take before it answers 503 (see docs/intake.md). */
    intake: IntakeSchema,
  })
  .strict()
  .superRefine((config, ctx) => {
    const issues = [
      ...config.routes.flatMap((route, i) => checkRoute(route, ['routes', i], config.targets)),
      ...(config.defaultRoute !== undefined ? checkRoute(config.defaultRoute, ['defaultRoute'], config.targets) : []),
    ];
    for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

export type MedicConfig = z.infer<typeof ConfigSchema>;
export type { Route, RouteAction } from './route-schema.js';
