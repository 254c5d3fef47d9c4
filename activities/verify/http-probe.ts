import type { HttpCheck } from '../../src/config/verify-schema.js';
import { httpRequest, NoAnswerError } from '../support/http-request.js';
import { heartbeat, pause } from '../support/waiting.js';
import { msLeft, type CheckResult } from './check-result.js';

const MAX_BODY = 64 * 1024;

/**
 * Probe an HTTP endpoint until it answers correctly `successes` times in a row, or the deadline
 * passes. A wrong status, a body that does not match or no answer starts the count again.
 */
export async function httpProbe(check: HttpCheck, deadline: number): Promise<CheckResult> {
  const bodyMatch = check.bodyMatch === undefined ? undefined : new RegExp(check.bodyMatch, 'u');
  let streak = 0;
  let best = 0;
  let lastProblem = 'no probe ran';
  for (;;) {
    const timeoutMs = Math.max(1, Math.min(check.requestTimeout, msLeft(deadline)));
    try {
      const answer = await httpRequest(check.url, { timeoutMs, maxBytes: MAX_BODY });
      if (!check.expectStatus.includes(answer.status)) {
        lastProblem = `HTTP ${answer.status} (expected ${check.expectStatus.join(' or ')})`;
      } else if (bodyMatch !== undefined && !bodyMatch.test(answer.body)) {
        lastProblem = `HTTP ${answer.status} but the body does not match /${check.bodyMatch}/`;
      } else {
        lastProblem = '';
      }
    } catch (err) {
      if (!(err instanceof NoAnswerError)) throw err;
      lastProblem = err.message;
    }
    streak = lastProblem === '' ? streak + 1 : 0;
    best = Math.max(best, streak);
    heartbeat({ check: check.url, streak, of: check.successes });
    if (streak >= check.successes) return { ok: true, detail: `${check.url}: ${streak}/${check.successes} consecutive successes` };
    if (msLeft(deadline) <= check.interval) {
      return { ok: false, detail: `${check.url}: ${lastProblem || 'not enough time'} (best run ${best}/${check.successes} before the deadline)` };
    }
    await pause(check.interval);
  }
}
