import type { Duration } from '@temporalio/common';
import type { PlaybookContext } from '../workflows/runtime/playbook-api.js';

/** A duration parameter of the incident (set by the route), or the playbook's default. */
export function durationParam(pb: PlaybookContext, name: string, fallback: Duration): Duration {
  const value = pb.params[name];
  return typeof value === 'string' || typeof value === 'number' ? (value as Duration) : fallback;
}
