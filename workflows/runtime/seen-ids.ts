import { cyrb53 } from '../cyrb53.js';

/**
 * The signal ids an incident has taken, remembered far enough back to recognise a redelivery.
 *
 * Why so far: Temporal drops a retried signal (same request id) only within one run. A client
 * retry whose first attempt had landed reaches the next run too, and under a flood the first copy
 * can be thousands of signals back (a run takes up to Temporal's 10,000 signals when it cannot
 * close). So the newest ids are kept verbatim, and the 10,000 before them as 48-bit hashes: eight
 * characters each, 80 kB at most across continue-as-new. A new id shares a hash with one of them
 * about once in 10^10 signals; only then would a distinct signal be taken for a redelivery.
 */
const EXACT_KEPT = 500;
const HASHED_KEPT = 10_000;
const HASH_CHARS = 8;
const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export interface SeenIdsSnapshot {
  /** Newest last. */
  recentIds: string[];
  /** Hashes of the ids before recentIds, HASH_CHARS characters each, oldest first. */
  olderIdHashes?: string;
}

/** 48 bits of cyrb53 (24 of each half), as 8 characters. */
export const idHash = (id: string): string => {
  const [h1, h2] = cyrb53(id);
  const high = h1 >>> 8; // 24 bits
  const low = h2 >>> 8; // 24 bits
  let out = '';
  for (const part of [high, low]) for (let shift = 18; shift >= 0; shift -= 6) out += DIGITS[(part >>> shift) & 63];
  return out;
};

export class SeenIds {
  private readonly recent: string[];
  private readonly recentSet: Set<string>;
  private readonly older: string[];
  private readonly olderSet: Map<string, number>;

  constructor(snapshot?: SeenIdsSnapshot) {
    this.recent = [...(snapshot?.recentIds ?? [])];
    this.recentSet = new Set(this.recent);
    const packed = snapshot?.olderIdHashes ?? '';
    this.older = [];
    for (let i = 0; i + HASH_CHARS <= packed.length; i += HASH_CHARS) this.older.push(packed.slice(i, i + HASH_CHARS));
    this.olderSet = new Map();
    for (const h of this.older) this.olderSet.set(h, (this.olderSet.get(h) ?? 0) + 1);
  }

  has(id: string): boolean {
    return this.recentSet.has(id) || this.olderSet.has(idHash(id));
  }

  add(id: string): void {
    this.recent.push(id);
    this.recentSet.add(id);
    if (this.recent.length <= EXACT_KEPT) return;
    const oldest = this.recent.shift() as string;
    this.recentSet.delete(oldest);
    const h = idHash(oldest);
    this.older.push(h);
    this.olderSet.set(h, (this.olderSet.get(h) ?? 0) + 1);
    if (this.older.length > HASHED_KEPT) {
      const gone = this.older.shift() as string;
      const left = (this.olderSet.get(gone) ?? 1) - 1;
      if (left === 0) this.olderSet.delete(gone);
      else this.olderSet.set(gone, left);
    }
  }

  /** The newest ids, verbatim (newest last). */
  get recentIds(): string[] {
    return [...this.recent];
  }

  snapshot(): SeenIdsSnapshot {
    return { recentIds: [...this.recent], ...(this.older.length > 0 && { olderIdHashes: this.older.join('') }) };
  }
}
