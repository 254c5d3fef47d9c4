// The limits the guards enforce, in one canonical form: the guard workflow pins one set and
// applies only that, whichever worker asks (safety invariant 3). Pure and deterministic: the guard
// workflow and the workers both read it, and both hash it the same way (workflows/cyrb53.ts).

import { cyrb53 } from '../cyrb53.js';

/** One pool as the guards see it: its members and how many may be out of rotation at once. */
export interface PoolLimit {
  name: string;
  /** Already resolved from a percentage of the pool's size, so every reader gets the same number. */
  maxIsolated: number;
  /** Sorted. Which pool a target is in decides which limit applies, so membership is pinned too. */
  members: string[];
}

/**
 * The guard configuration in canonical form: arrays sorted by name (never objects keyed by
 * names from configuration, so `__proto__` is an ordinary pool), durations in milliseconds.
 */
export interface GuardLimits {
  pools: PoolLimit[];
  restartBudget: { max: number; windowMs: number };
}

/** The limits the guards run with, who set them and why (the audit of `medic guards adopt-config`). */
export interface PinnedLimits {
  hash: string;
  limits: GuardLimits;
  by: string;
  reason: string;
  at: string;
}

/** Sort pools and members so equal configurations give equal JSON, whatever order the YAML had. */
export function canonicalLimits(limits: GuardLimits): GuardLimits {
  const pools = limits.pools
    .map((p) => ({ name: p.name, maxIsolated: p.maxIsolated, members: [...p.members].sort() }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { pools, restartBudget: { max: limits.restartBudget.max, windowMs: limits.restartBudget.windowMs } };
}

/** The text a hash is taken of: canonical JSON with a fixed key order. */
export function canonicalText(limits: GuardLimits): string {
  return JSON.stringify(canonicalLimits(limits));
}

/**
 * A short fingerprint of the canonical limits, the same in a worker and in the guard workflow
 * (cyrb53: pure, deterministic, no node:crypto in workflow code). It tells configurations apart;
 * it is not a secret and guards against drift, not against forgery.
 */
export function limitsHash(limits: GuardLimits): string {
  const [h1, h2] = cyrb53(canonicalText(limits));
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

/** The pool a target is a member of under these limits, if any. */
export function poolOfTarget(limits: GuardLimits, target: string): PoolLimit | undefined {
  return limits.pools.find((p) => p.members.includes(target));
}

/**
 * Every field in which `theirs` differs from `pinned`, in words an operator can act on:
 * "restartBudget.max: this worker 5, the guards 3". Empty when they are the same.
 */
export function limitDifferences(theirs: GuardLimits, pinned: GuardLimits): string[] {
  const out: string[] = [];
  const field = (name: string, mine: unknown, guards: unknown) => {
    if (JSON.stringify(mine) !== JSON.stringify(guards)) out.push(`${name}: this worker ${show(mine)}, the guards ${show(guards)}`);
  };
  field('restartBudget.max', theirs.restartBudget.max, pinned.restartBudget.max);
  field('restartBudget.window', `${theirs.restartBudget.windowMs} ms`, `${pinned.restartBudget.windowMs} ms`);
  const names = [...new Set([...theirs.pools.map((p) => p.name), ...pinned.pools.map((p) => p.name)])].sort();
  for (const name of names) {
    const mine = theirs.pools.find((p) => p.name === name);
    const guards = pinned.pools.find((p) => p.name === name);
    if (mine === undefined || guards === undefined) {
      out.push(`pools.${name}: ${mine === undefined ? 'not in this worker\'s configuration, pinned by the guards' : 'in this worker\'s configuration, unknown to the guards'}`);
      continue;
    }
    field(`pools.${name}.maxIsolated`, mine.maxIsolated, guards.maxIsolated);
    const onlyMine = mine.members.filter((m) => !guards.members.includes(m));
    const onlyGuards = guards.members.filter((m) => !mine.members.includes(m));
    if (onlyMine.length > 0 || onlyGuards.length > 0) {
      out.push(`pools.${name}.members: this worker also has [${onlyMine.join(', ')}], the guards also have [${onlyGuards.join(', ')}]`);
    }
  }
  return out;
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
