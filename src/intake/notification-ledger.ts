/**
 * Numbers the notifications of each alert, so that a retry and a repeat get different signal ids.
 *
 * Alertmanager and Grafana send no notification id: a retry of a failed POST and a repeat sent
 * after `repeat_interval` carry the same bytes. What tells them apart is our own answer: a sender
 * retries only after a non-2xx reply (or none), and repeats only after a 2xx. So the signal id is
 * `<alert key>#<n>`, where n counts the 2xx answers already given for that alert key:
 *  - after a 503 (Temporal failed midway) the retried group gets the same ids, and the alerts
 *    already delivered are dropped by the incident's id check: nothing doubles;
 *  - after a 202 the next notification of the same alert gets n+1 and is appended as a repeat.
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
    const entry = this.answered.get(key);
    if (entry === undefined) return 1;
    if (this.now() - entry.touchedAt > this.maxIdleMs) {
      this.answered.delete(key);
      return 1;
    }
    return entry.count + 1;
  }

  /** Record that these alert keys were answered with a 2xx: their next notification is a new one. */
  answeredOk(keys: Iterable<string>): void {
    const now = this.now();
    for (const key of new Set(keys)) {
      const count = this.next(key);
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
