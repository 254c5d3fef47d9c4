/** One alert of an answered request: its ledger key and the notification number its id carried. */
export interface NumberedAlert {
  key: string;
  number: number;
}

/**
 * Numbers the notifications of each alert, so that a retry and a repeat get different signal ids.
 *
 * Alertmanager and Grafana send no notification id: a retry of a failed POST and a repeat sent
 * after `repeat_interval` carry the same bytes. What tells them apart is our own answer: a sender
 * retries only after a non-2xx reply (or none), and repeats only after a 2xx. So the signal id is
 * `<alert key>#<n>`, where n is one more than the number of the last notification of that alert
 * key that was answered 2xx (and the answer written to an open connection):
 *  - after a 503 (Temporal failed, or the request deadline passed) the retried group gets the same
 *    ids, and the alerts already delivered are dropped by the incident's id check: nothing doubles;
 *  - after a 202 the next notification of the same alert gets n+1 and is appended as a repeat.
 *
 * A retry can arrive while the request it retries is still being handled: both were numbered
 * before either was answered, so they carry the same n. Whichever is answered 2xx, and however
 * many of them, the count becomes n (`answeredOk` records the number, it does not add one), so
 * the next real notification gets n+1, never n+2.
 *
 * The ledger lives in the intake's memory. After a restart, or with several intakes behind a load
 * balancer, the count can be behind or ahead: the worst case is a repeat not shown in the timeline,
 * or a retry shown twice. Never a second incident: incidents are keyed by fingerprint, not by id.
 */
export class NotificationLedger {
  private readonly answered = new Map<string, { count: number; touchedAt: number }>();

  constructor(
    private readonly options: { maxEntries?: number; maxIdleMs?: number; now?: () => number } = {},
  ) {}

  /** The number of the notification now being received for this alert key (1 for the first). */
  next(key: string): number {
    return this.last(key) + 1;
  }

  /**
   * Record that these alerts were answered with a 2xx that reached the sender: their next
   * notification is a new one. Numbers lower than the one recorded (a late answer to an older
   * request) change nothing.
   */
  answeredOk(alerts: Iterable<NumberedAlert>): void {
    const now = this.now();
    for (const { key, number } of alerts) {
      const count = Math.max(this.last(key), number);
      // Re-inserting keeps the Map in least-recently-answered order, so eviction drops the oldest.
      this.answered.delete(key);
      this.answered.set(key, { count, touchedAt: now });
    }
    while (this.answered.size > this.maxEntries) {
      const oldest = this.answered.keys().next().value;
      if (oldest === undefined) break;
      this.answered.delete(oldest);
    }
  }

  get size(): number {
    return this.answered.size;
  }

  /** The number of the last notification answered 2xx for this key; 0 if none (or forgotten). */
  private last(key: string): number {
    const entry = this.answered.get(key);
    if (entry === undefined) return 0;
    if (this.now() - entry.touchedAt > this.maxIdleMs) {
      this.answered.delete(key);
      return 0;
    }
    return entry.count;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private get maxEntries(): number {
    return this.options.maxEntries ?? 100_000;
  }

  // Longer than any sensible repeat_interval; an alert quiet for longer starts again at 1.
  private get maxIdleMs(): number {
    return this.options.maxIdleMs ?? 7 * 24 * 3600_000;
  }
}
