import type { Signal } from '../../src/signals/signal-schema.js';
import type { SignalsView } from '../definitions.js';
import { SeenIds, type SeenIdsSnapshot } from './seen-ids.js';

/** One kind of notification (firing or resolved), counted rather than listed. */
export interface RepeatCount {
  count: number;
  first?: string;
  last?: string;
  /** The last few, verbatim enough for an engineer: id, when, summary. */
  recent: { id: string; at: string; summary?: string }[];
}

/** What the incident heard, bounded whatever the number of signals; crosses continue-as-new. */
export interface SignalRecordSnapshot extends SeenIdsSnapshot {
  firing: RepeatCount;
  resolved: RepeatCount;
  /** Signals taken since this run of the workflow started: what continue-as-new watches. */
  thisRun: number;
  /** The id of the first signal taken: names this incident to the guards, across runs. */
  openedBy?: string;
}

const RECENT_KEPT = 3;

const emptyCount = (): RepeatCount => ({ count: 0, recent: [] });

/**
 * Every distinct signal is in the record: the first firing and the first resolution as timeline
 * entries (the caller adds them), every one in the counts.
 */
export class SignalRecord {
  private readonly ids: SeenIds;
  private readonly state: Omit<SignalRecordSnapshot, keyof SeenIdsSnapshot>;

  constructor(snapshot?: SignalRecordSnapshot) {
    if (snapshot === undefined) {
      this.state = { firing: emptyCount(), resolved: emptyCount(), thisRun: 0 };
      this.ids = new SeenIds();
    } else {
      const { recentIds, olderIdHashes, ...counts } = snapshot;
      this.state = { ...counts, thisRun: 0 };
      this.ids = new SeenIds({ recentIds, ...(olderIdHashes !== undefined && { olderIdHashes }) });
    }
  }

  /** Take a signal: 'new' for the first of its status, 'repeat' for later ones, 'duplicate' for a redelivery. */
  take(signal: Signal, at: string): 'new' | 'repeat' | 'duplicate' {
    if (this.ids.has(signal.id)) return 'duplicate';
    this.ids.add(signal.id);
    this.state.thisRun += 1;
    this.state.openedBy ??= signal.id;
    const count = signal.status === 'resolved' ? this.state.resolved : this.state.firing;
    count.count += 1;
    count.first ??= at;
    count.last = at;
    count.recent.push({ id: signal.id, at, ...(signal.summary !== undefined && { summary: signal.summary.slice(0, 300) }) });
    if (count.recent.length > RECENT_KEPT) count.recent.shift();
    return count.count === 1 ? 'new' : 'repeat';
  }

  get total(): number {
    return this.state.firing.count + this.state.resolved.count;
  }

  get thisRun(): number {
    return this.state.thisRun;
  }

  get firing(): RepeatCount {
    return this.state.firing;
  }

  get resolved(): RepeatCount {
    return this.state.resolved;
  }

  /** The id of the first signal this incident took: names this incident's runs to the guards. */
  get firstId(): string | undefined {
    return this.state.openedBy;
  }

  view(): SignalsView {
    const count = ({ count, first, last }: RepeatCount) => ({ count, ...(first !== undefined && { first }), ...(last !== undefined && { last }) });
    return { firing: count(this.state.firing), resolved: count(this.state.resolved), ids: this.ids.recentIds };
  }

  snapshot(): SignalRecordSnapshot {
    return { firing: { ...this.state.firing, recent: [...this.state.firing.recent] }, resolved: { ...this.state.resolved, recent: [...this.state.resolved.recent] }, ...this.ids.snapshot(), thisRun: this.state.thisRun, ...(this.state.openedBy !== undefined && { openedBy: this.state.openedBy }) };
  }
}
