import type { Playbook } from '../workflows/runtime/playbook-api.js';
import { diagnoseAndEscalate } from './diagnose-and-escalate.js';
import { httpServiceOutage } from './http-service-outage.js';

export type { Playbook };

/** Every playbook a route may name. Add a new one here after writing it (see ARCHITECTURE.md). */
export const PLAYBOOKS: readonly Playbook[] = [httpServiceOutage, diagnoseAndEscalate] as readonly Playbook[];

export const PLAYBOOK_NAMES: readonly string[] = PLAYBOOKS.map((p) => p.name);

export function findPlaybook(name: string): Playbook | undefined {
  return PLAYBOOKS.find((p) => p.name === name);
}
