import type { Playbook } from '../workflows/runtime/playbook-api.js';
import { diagnoseAndEscalate } from './diagnose-and-escalate.js';
import { httpServiceOutage } from './http-service-outage.js';

export type { Playbook };

// The playbooks this worker serves. The shipped ones are registered here; a workflow bundle's
// entry may register more before any incident runs (a user's repository does, and so do tests).
// Registration happens when the bundle loads, the same on every replay: deterministic.
const registry = new Map<string, Playbook>();

/** Register a playbook; a second one with the same name is an error that names both. */
export function registerPlaybook(playbook: Playbook): void {
  const existing = registry.get(playbook.name);
  if (existing !== undefined && existing !== playbook) {
    throw new Error(`two playbooks are named "${playbook.name}" ("${existing.description}" and "${playbook.description}"). To fix: rename one of them`);
  }
  registry.set(playbook.name, playbook);
}

registerPlaybook(httpServiceOutage as unknown as Playbook);
registerPlaybook(diagnoseAndEscalate as unknown as Playbook);

/** Every playbook a route may name, in registration order. */
export const playbooks = (): Playbook[] => [...registry.values()];
export const playbookNames = (): string[] => [...registry.keys()];

export function findPlaybook(name: string): Playbook | undefined {
  return registry.get(name);
}
