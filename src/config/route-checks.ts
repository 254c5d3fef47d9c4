import type { z } from 'zod';
import { declarationOf } from '../../activities/declarations.js';
import { findPlaybook } from '../../playbooks/index.js';
import { routeParamsSchema } from '../../workflows/runtime/engine-params.js';
import { activityNamesOf } from '../../workflows/runtime/playbook-api.js';
import type { Params } from '../../workflows/definitions.js';
import type { RouteAction } from './route-schema.js';
import type { TargetConfig } from './target-schema.js';

// Checks that span sections of the configuration: a route's params against its playbook's declared
// schema, and a fixed target against the configuration sections its playbook's activities declare.
// Run when the configuration loads, so a typo ("15 minuets") or a missing driver is an error at
// start that names the route and the field, not a failure at 3 a.m.

interface Issue {
  path: (string | number)[];
  message: string;
}

export function checkRoute(route: RouteAction & { name?: string }, path: (string | number)[], targets: Record<string, TargetConfig>): Issue[] {
  const playbook = findPlaybook(route.playbook);
  if (playbook === undefined) return []; // the route schema already names an unknown playbook
  const label = route.name !== undefined ? `route "${route.name}"` : 'the default route';
  const issues: Issue[] = [];
  const parsed = routeParamsSchema(playbook).safeParse(route.params as Params);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      issues.push({ path: [...path, 'params', ...(i.path as (string | number)[])], message: `${label}: ${describeIssue(i, playbook.name)}` });
    }
  }
  if (route.target === undefined || route.dryRun) return issues; // targetFromLabel: known only when an alert names it
  // A target outside the inventory is fine for a playbook whose activities need no driver
  // (diagnose-and-escalate pages for anything); otherwise each needed section is named.
  const target: TargetConfig = Object.hasOwn(targets, route.target) ? (targets[route.target] as TargetConfig) : {};
  // One issue per route, each missing section once with the activities that need it.
  const missing = new Map<string, string[]>();
  for (const activity of activityNamesOf(playbook)) {
    const section = declarationOf(activity).section;
    if (section !== undefined && (target as Record<string, unknown>)[section.name] === undefined) missing.set(section.hint, [...(missing.get(section.hint) ?? []), activity]);
  }
  if (missing.size > 0) {
    const needs = [...missing].map(([hint, activities]) => `${hint} for ${activities.join(', ')}`).join('; ');
    issues.push({
      path: [...path, 'target'],
      message: `${label}: ${playbook.name} on ${route.target} needs ${needs}. To fix: add them under targets.${route.target}, set dryRun: true, or route to diagnose-and-escalate`,
    });
  }
  return issues;
}

function describeIssue(issue: z.core.$ZodIssue, playbook: string): string {
  if (issue.code === 'unrecognized_keys') {
    return `${playbook} takes no parameter ${issue.keys.map((k) => `"${k}"`).join(', ')}. To fix: remove it, or check its spelling against the playbook's parameters`;
  }
  return `params.${issue.path.join('.')}: ${issue.message}`;
}
