import { get } from 'node:http';

interface Answer {
  at: number;
  /** The server that answered (HAProxy passes its x-backend header through), or "none". */
  server: string;
  status: number;
}

/**
 * Users of the shop: ten requests a second through HAProxy, one connection each (no keep-alive),
 * so HAProxy's per-server counters, and so the alert, reflect what users see.
 */
export class Traffic {
  private readonly answers: Answer[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly url: string) {}

  start(intervalMs = 100): void {
    this.timer ??= setInterval(() => this.send(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** "web-a 200 ×7, web-b 500 ×7, web-c 200 ×6": who answered what over the last `ms`. */
  recent(ms = 3_000): string {
    const since = Date.now() - ms;
    const counts = new Map<string, number>();
    for (const a of this.answers) {
      if (a.at < since) continue;
      const key = `${a.server} ${a.status === 0 ? 'no answer' : a.status}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    if (counts.size === 0) return 'no requests answered';
    return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ×${n}`).join(', ');
  }

  private send(): void {
    const req = get(this.url, { agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      this.record(String(res.headers['x-backend'] ?? 'haproxy'), res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => this.record('none', 0));
  }

  private record(server: string, status: number): void {
    this.answers.push({ at: Date.now(), server, status });
    // Only the last minute is ever asked for.
    while (this.answers.length > 0 && (this.answers[0]?.at ?? 0) < Date.now() - 60_000) this.answers.shift();
  }
}
