import { declarationOf } from '../activities/declarations.js';
import { registerPlaybook } from '../playbooks/index.js';
import { activityNamesOf, type Playbook } from './runtime/playbook-api.js';

// A user's extension, on the workflow side: its playbooks join the registry beside medic's own.
// The worker's generated bundle entry calls this when the bundle loads, and the worker process
// calls it too (to check routes against the same playbooks): the same registrations both places.

/** What the workflows module of an extension exports. */
export interface ExtensionWorkflows {
  playbooks: readonly Playbook[];
}

/** Register every playbook an extension's workflows module exports; errors name the module. */
export function registerExtension(module: Record<string, unknown>, from: string): void {
  const list = module['playbooks'];
  if (!Array.isArray(list) || list.length === 0) {
    throw new Error(`${from} exports no playbooks. To fix: export const playbooks = [myPlaybook] (each made with definePlaybook)`);
  }
  for (const [i, playbook] of (list as unknown[]).entries()) {
    if (!isPlaybook(playbook)) throw new Error(`${from}: playbooks[${i}] is not a playbook. To fix: make it with definePlaybook({ name, description, params, activities, run })`);
    // Every activity it lists must be declared (shipped, or by defineActivity in this module's graph).
    for (const activity of activityNamesOf(playbook)) {
      try {
        declarationOf(activity);
      } catch (err) {
        throw new Error(`${from}: playbook "${playbook.name}": ${(err as Error).message}`);
      }
    }
    registerPlaybook(playbook);
  }
}

function isPlaybook(value: unknown): value is Playbook {
  const p = value as Partial<Playbook> | null;
  return typeof p === 'object' && p !== null && typeof p.name === 'string' && typeof p.run === 'function' && Array.isArray(p.activities) && p.params !== undefined;
}
