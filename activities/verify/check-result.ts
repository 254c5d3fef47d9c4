/** The outcome of one verify check, in words for the timeline. */
export interface CheckResult {
  ok: boolean;
  /** e.g. "http://127.0.0.1:8081/healthz: 3/3 consecutive successes". */
  detail: string;
}

/** Milliseconds left before a deadline (Date.now() based), never negative. */
export const msLeft = (deadline: number): number => Math.max(0, deadline - Date.now());
