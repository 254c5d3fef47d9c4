// The guards' state and its rules, as pure functions: the guard workflow applies them one update
// at a time (Temporal serialises them), and unit tests check them without a server.
import { canonicalLimits, limitsHash, poolOfTarget, type GuardLimits, type PinnedLimits } from './guard-limits.js';

export type TargetPolicy = 'wait' | 'join';

export interface Waiter {
  incidentId: string;
  policy: TargetPolicy;
}

export interface GuardState {
  /** target -> the incident running a playbook on it. */
  holders: Record<string, string>;
  /** target -> incidents waiting for it (wait) or riding along with the holder (join). */
  waiters: Record<string, Waiter[]>;
  /** pool -> member -> the incident that isolated it. Stays until the member rejoins. */
  isolated: Record<string, Record<string, string>>;
  /** target -> workflow times (ms) of the automated restarts still inside the budget window. */
  restarts: Record<string, number[]>;
  paused: { by: string; reason: string; at: string } | null;
  /**
   * Counts pauses and resumes, so that an incident hearing of them out of order (a reply and a
   * pause notice can overtake each other) keeps the latest.
   */
  pauseVersion: number;
  /** The one set of limits the guards apply, whichever worker asks; null until the first worker pins it. */
  limits: PinnedLimits | null;
  /** The latest targets the guards released for an incident that could no longer be told (newest last, bounded). */
  released: GuardRelease[];
}

/** A target taken back from an incident that ended without giving it back, or could not be handed it. */
export interface GuardRelease {
  at: string;
  target: string;
  incidentId: string;
  why: string;
}

/** How many releases `medic guards` shows; older ones are in the guard's history. */
export const RELEASES_KEPT = 50;

// Targets and pools are names from alert labels and configuration, and may be any string,
// `__proto__` and `constructor` included. The state stays plain objects (it crosses
// continue-as-new and queries as JSON), so every read and write goes through these two, which only
// ever see own properties: never one inherited from Object.prototype, never the prototype setter.
function own<V>(record: Record<string, V>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
function put<V>(record: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
}

export const emptyGuardState = (): GuardState => ({ holders: {}, waiters: {}, isolated: {}, restarts: {}, paused: null, pauseVersion: 0, limits: null, released: [] });

export type AcquireResult =
  | { granted: true; paused: GuardState['paused'] }
  | { granted: false; holder: string; policy: TargetPolicy; paused: GuardState['paused'] };

/** One playbook per target: the first incident holds it; others wait or join, by policy. */
export function acquireTarget(state: GuardState, target: string, incidentId: string, policy: TargetPolicy): AcquireResult {
  const holder = own(state.holders, target);
  if (holder === undefined || holder === incidentId) {
    put(state.holders, target, incidentId);
    return { granted: true, paused: state.paused };
  }
  const queue = own(state.waiters, target) ?? [];
  if (!queue.some((w) => w.incidentId === incidentId)) queue.push({ incidentId, policy });
  put(state.waiters, target, queue);
  return { granted: false, holder, policy, paused: state.paused };
}

export interface ReleaseResult {
  /** Incidents riding along with the holder: told that it finished, and how. */
  joined: string[];
  /** The next waiting incident, now holding the target. */
  next?: string;
}

/** The holder is done (or a waiter gave up): hand the target to the next one that waits. */
export function releaseTarget(state: GuardState, target: string, incidentId: string): ReleaseResult {
  const queue = (own(state.waiters, target) ?? []).filter((w) => w.incidentId !== incidentId);
  if (own(state.holders, target) !== incidentId) {
    put(state.waiters, target, queue);
    if (queue.length === 0) delete state.waiters[target];
    return { joined: [] };
  }
  delete state.holders[target];
  const joined = queue.filter((w) => w.policy === 'join').map((w) => w.incidentId);
  const waiting = queue.filter((w) => w.policy === 'wait');
  const next = waiting.shift();
  if (next !== undefined) put(state.holders, target, next.incidentId);
  if (waiting.length > 0) put(state.waiters, target, waiting);
  else delete state.waiters[target];
  return { joined, ...(next !== undefined && { next: next.incidentId }) };
}

export interface IsolationRequest {
  pool: string;
  member: string;
  incidentId: string;
  /** Most members of the pool that may be out of rotation at once (already resolved from a fraction). */
  maxIsolated: number;
}

/**
 * The asking worker's guard configuration is not the one the guards run with: refused, so that two
 * workers can never each apply their own limits. `pinned` lets the worker name the difference.
 */
export interface LimitsRefusal {
  allowed: false;
  limits: { theirs: string; pinned: PinnedLimits | null };
}

export type IsolationResult = { allowed: true; pool?: string } | { allowed: false; pool: string; isolated: string[]; maxIsolated: number } | LimitsRefusal;

/** Blast radius: never take more than maxIsolated members of a pool out of rotation at once. */
export function requestIsolation(state: GuardState, req: IsolationRequest): IsolationResult {
  const pool = own(state.isolated, req.pool) ?? {};
  if (own(pool, req.member) !== undefined) {
    put(pool, req.member, req.incidentId); // already out: isolating again changes nothing
    return { allowed: true, pool: req.pool };
  }
  const out = Object.keys(pool);
  if (out.length + 1 > req.maxIsolated) return { allowed: false, pool: req.pool, isolated: out.sort(), maxIsolated: req.maxIsolated };
  put(pool, req.member, req.incidentId);
  put(state.isolated, req.pool, pool);
  return { allowed: true, pool: req.pool };
}

/** The incident holding a target, if any. */
export function holderOf(state: GuardState, target: string): string | undefined {
  return own(state.holders, target);
}

/** Incidents waiting for or riding along on a target. */
export function waitersOf(state: GuardState, target: string): Waiter[] {
  return own(state.waiters, target) ?? [];
}

/** Members of a pool out of rotation, sorted. */
export function isolatedMembers(state: GuardState, pool: string): string[] {
  return Object.keys(own(state.isolated, pool) ?? {}).sort();
}

export function releaseIsolation(state: GuardState, pool: string, member: string): void {
  const members = own(state.isolated, pool);
  if (members === undefined) return;
  delete members[member];
  if (Object.keys(members).length === 0) delete state.isolated[pool];
}

export interface RestartRequest {
  target: string;
  max: number;
  windowMs: number;
  nowMs: number;
}

export type RestartResult = { allowed: true; used: number } | { allowed: false; used: number; max: number; windowMs: number } | LimitsRefusal;

/** Remediation budget: at most `max` automated restarts of a target per window. */
export function requestRestart(state: GuardState, req: RestartRequest): RestartResult {
  const recent = (own(state.restarts, req.target) ?? []).filter((t) => req.nowMs - t < req.windowMs);
  if (recent.length >= req.max) {
    put(state.restarts, req.target, recent);
    return { allowed: false, used: recent.length, max: req.max, windowMs: req.windowMs };
  }
  recent.push(req.nowMs);
  put(state.restarts, req.target, recent);
  return { allowed: true, used: recent.length };
}

/** Every incident the guard knows to be running or waiting: who hears of a pause. */
export function activeIncidents(state: GuardState): string[] {
  const ids = new Set<string>(Object.values(state.holders));
  for (const queue of Object.values(state.waiters)) for (const w of queue) ids.add(w.incidentId);
  return [...ids].sort();
}

/** The pinned limits, if the asking worker's configuration (by its hash) is the pinned one. */
export function limitsFor(state: GuardState, theirs: string): GuardLimits | LimitsRefusal {
  const pinned = state.limits;
  if (pinned === null || pinned.hash !== theirs) return { allowed: false, limits: { theirs, pinned } };
  return pinned.limits;
}

const isRefusal = (x: GuardLimits | LimitsRefusal): x is LimitsRefusal => 'allowed' in x;

/** Blast radius under the pinned limits: the pool and its limit come from the guards, not the asker. */
export function isolateUnderLimits(state: GuardState, req: { target: string; incidentId: string; limits: string }): IsolationResult {
  const limits = limitsFor(state, req.limits);
  if (isRefusal(limits)) return limits;
  const pool = poolOfTarget(limits, req.target);
  if (pool === undefined) return { allowed: true }; // in no pool: nothing to count
  return requestIsolation(state, { pool: pool.name, member: req.target, incidentId: req.incidentId, maxIsolated: pool.maxIsolated });
}

/** Restart budget under the pinned limits: a worker with another window can never trim the history. */
export function restartUnderLimits(state: GuardState, req: { target: string; limits: string; nowMs: number }): RestartResult {
  const limits = limitsFor(state, req.limits);
  if (isRefusal(limits)) return limits;
  return requestRestart(state, { target: req.target, max: limits.restartBudget.max, windowMs: limits.restartBudget.windowMs, nowMs: req.nowMs });
}

/** A member is back in rotation: it no longer counts against any pool it was out of. */
export function releaseMember(state: GuardState, member: string): void {
  for (const pool of Object.keys(state.isolated)) {
    if (own(own(state.isolated, pool) ?? {}, member) !== undefined) releaseIsolation(state, pool, member);
  }
}

/**
 * Pin limits: the first ones asked with (`if-unpinned`, what a worker sends), or new ones on
 * purpose (`adopt`, `medic guards adopt-config`). Answers what is pinned now and what was before.
 */
export function pinLimits(
  state: GuardState,
  req: { limits: GuardLimits; by: string; reason: string; mode: 'if-unpinned' | 'adopt'; at: string },
): { pinned: PinnedLimits; previous: PinnedLimits | null; changed: boolean } {
  const previous = state.limits;
  const hash = limitsHash(req.limits);
  if (previous !== null && (req.mode === 'if-unpinned' || previous.hash === hash)) return { pinned: previous, previous, changed: false };
  state.limits = { hash, limits: canonicalLimits(req.limits), by: req.by, reason: req.reason, at: req.at };
  return { pinned: state.limits, previous, changed: true };
}

/** Put a release on the guards' record (bounded: the history keeps the rest). */
export function recordRelease(state: GuardState, release: GuardRelease): void {
  state.released.push(release);
  if (state.released.length > RELEASES_KEPT) state.released.splice(0, state.released.length - RELEASES_KEPT);
}
