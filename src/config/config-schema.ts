import { z } from 'zod';
import { EscalationSchema } from './escalation-schema.js';
import { GuardsSchema } from './guards-schema.js';
import { IntakeSchema } from './intake-schema.js';
import { RouteActionSchema, RouteSchema, targetName } from './route-schema.js';
import { checkRoute } from './route-checks.js';
import { targetSchema } from './target-schema.js';

/** Where the user's own playbooks and activities are (docs/extensions.md). */
export const ExtensionSchema = z
  .object({
    /** Workflow side: exports `playbooks` (definePlaybook); declares its activities (defineActivity). */
    workflows: z.string().min(1),
    /** Worker side: exports `activities` (implement) and, if they need configuration, `sections` (zod schemas). */
    activities: z.string().min(1).optional(),
  })
  .strict();

// The configuration file (YAML). Checked once at start; every error names the bad field.
export const ConfigSchema = z
  .object({
    /** Tried in order; the first whose labels match wins. */
    routes: z.array(RouteSchema).default([]),
    /** What an alert no route matched becomes; without it such alerts are recorded as unrouted. */
    defaultRoute: RouteActionSchema.optional(),
    /** Playbooks and activities of the user's own repository (docs/extensions.md); paths relative to this file. */
    extension: ExtensionSchema.optional(),
    // Lazy: sections an extension adds are known only once it loaded (src/extension/load-extension.ts).
    targets: z.record(targetName, z.lazy(() => targetSchema())).default({}),
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
