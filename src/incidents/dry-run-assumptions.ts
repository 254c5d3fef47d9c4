import { declarationOf } from '../../activities/declarations.js';
import { activityNamesOf, type Playbook } from '../../workflows/runtime/playbook-api.js';
import { APPROVAL, assumptionProblem, type Assumption, type Assumptions } from '../../workflows/runtime/dry-run-assumptions.js';

/**
 * `--assume verify=unhealthy,healthy` (repeatable) as the dry run's assumptions. Every activity named
 * must be one the playbook calls (or `approval`), every outcome one it can have; errors say which.
 */
export function parseAssumptions(values: string[], playbook: Playbook | undefined): Assumptions {
  const calls = playbook === undefined ? undefined : activityNamesOf(playbook);
  const out: Assumptions = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const key = value.slice(0, eq).trim();
    const outcomes = value.slice(eq + 1).split(',').map((o) => o.trim()).filter((o) => o !== '');
    if (eq <= 0 || outcomes.length === 0) throw new Error(`--assume "${value}": expected activity=outcome[,outcome...], e.g. verify=unhealthy,healthy`);
    if (key !== APPROVAL && calls !== undefined && !calls.includes(key)) {
      throw new Error(`--assume ${key}: ${playbook?.name} calls no activity "${key}" (it calls ${calls.join(', ')}; or assume approval=...)`);
    }
    let declaration;
    try {
      declaration = key === APPROVAL ? undefined : declarationOf(key);
    } catch {
      declaration = undefined;
    }
    for (const outcome of outcomes) {
      const problem = assumptionProblem(key, outcome, declaration);
      if (problem !== undefined) throw new Error(`--assume ${key}=${outcome}: ${problem}`);
    }
    out[key] = [...(out[key] ?? []), ...(outcomes as Assumption[])];
  }
  return out;
}
