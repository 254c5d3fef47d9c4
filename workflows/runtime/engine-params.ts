import { z } from 'zod';
import { durationOrZeroMs, durationWithDefault } from '../../src/config/duration-schema.js';
import type { Params } from '../definitions.js';
import type { Playbook } from './playbook-api.js';

/** Route parameters every playbook takes: they belong to the engine, not to one playbook. */
export const ENGINE_PARAMS = z.object({
  /** How long an escalated or failed incident stays open for a human to retry or abort it. */
  humanHold: durationWithDefault('24 hours'),
  /** How long a recovered incident stays open for its alert to clear (0: close at once); repeats join it. */
  settleFor: durationOrZeroMs.prefault('2 minutes'),
});
export type EngineParams = z.output<typeof ENGINE_PARAMS>;

/** The whole parameter schema of a route to this playbook: its own and the engine's, nothing else. */
export const routeParamsSchema = (playbook: Playbook) => z.object({ ...playbook.params.shape, ...ENGINE_PARAMS.shape }).strict();

export type ParsedParams = { ok: true; engine: EngineParams; playbook: Params } | { ok: false; problems: string[] };

/** Parse a route's parameters for this playbook: defaults applied, durations in milliseconds. */
export function parseRouteParams(playbook: Playbook, params: Params): ParsedParams {
  const parsed = routeParamsSchema(playbook).safeParse(params);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => `params.${i.path.join('.') || '(all)'}: ${i.message}`) };
  return { ok: true, engine: ENGINE_PARAMS.parse(params), playbook: parsed.data as Params };
}
