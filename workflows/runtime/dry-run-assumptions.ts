import type { ActivityDeclaration } from '../../activities/declarations.js';

// What a dry run assumes each step returned, so every branch of a playbook can be walked without
// touching anything: `medic signal --dry-run --assume verify=unhealthy,healthy --assume restart=fail`.
// Per activity, a list used in order; its last entry holds for later calls. Not given: the
// activity's declared dry-run result (success; a verify is healthy; an approval is given).

export const ASSUMPTIONS = ['ok', 'fail', 'healthy', 'unhealthy', 'approved', 'timed-out'] as const;
export type Assumption = (typeof ASSUMPTIONS)[number];
/** By activity name; `approval` stands for the playbook's approval waits. */
export type Assumptions = Record<string, Assumption[]>;

/** The key of approval waits in the assumptions (not an activity). */
export const APPROVAL = 'approval';

/** Why an assumption cannot hold for this activity, or undefined when it can. */
export function assumptionProblem(key: string, assumption: string, declaration: ActivityDeclaration | undefined): string | undefined {
  if (!(ASSUMPTIONS as readonly string[]).includes(assumption)) return `"${assumption}" is not an outcome medic can assume (one of: ${ASSUMPTIONS.join(', ')})`;
  if (key === APPROVAL) return assumption === 'approved' || assumption === 'timed-out' ? undefined : `an approval is assumed "approved" or "timed-out", not "${assumption}"`;
  if (declaration === undefined) return `"${key}" is no declared activity`;
  if (assumption === 'healthy' || assumption === 'unhealthy') return declaration.effect === 'verifies' ? undefined : `only a check (a verifies activity) is healthy or unhealthy; ${key} can be ok or fail`;
  return assumption === 'ok' || assumption === 'fail' ? undefined : `${key} can be ok or fail`;
}

/** The assumptions of one dry-run incident, consumed call by call (deterministic: plain counters). */
export class DryRunAssumptions {
  private readonly used = new Map<string, number>();

  constructor(private readonly assumptions: Assumptions = {}) {}

  next(key: string): Assumption | undefined {
    const list = this.assumptions[key];
    if (list === undefined || list.length === 0) return undefined;
    const n = this.used.get(key) ?? 0;
    this.used.set(key, n + 1);
    return list[Math.min(n, list.length - 1)];
  }
}
