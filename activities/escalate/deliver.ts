import { DeliveryFailedError, DeliveryRejectedError } from '../driver-errors.js';
import { httpRequest, NoAnswerError } from '../support/http-request.js';
import { heartbeat, pause } from '../support/waiting.js';

const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 2_000;
const SHOWN_BODY = 200;

export interface Delivery {
  /** The channel's name, used in messages instead of the URL (which may be a secret). */
  channel: string;
  url: string;
  body: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
  attempts: number;
}

export interface Delivered {
  status: number;
  attempts: number;
}

/** 5xx, 429 (rate limited: PagerDuty and Slack ask clients to retry) and no answer are worth another try. */
const retryable = (status: number): boolean => status >= 500 || status === 429;

/**
 * POST a JSON body, trying again on 5xx, 429, timeouts and refused connections with a short,
 * bounded backoff; a 4xx answer is final. Retrying here rather than in the workflow keeps one
 * failing channel from re-sending the others.
 */
export async function deliver(d: Delivery): Promise<Delivered> {
  const payload = JSON.stringify(d.body);
  let last = '';
  for (let attempt = 1; attempt <= d.attempts; attempt++) {
    heartbeat({ channel: d.channel, attempt });
    try {
      const answer = await httpRequest(d.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'medic', ...d.headers },
        body: payload,
        timeoutMs: d.timeoutMs,
        maxBytes: 4096,
      });
      if (answer.status >= 200 && answer.status < 300) return { status: answer.status, attempts: attempt };
      const said = answer.body.trim().slice(0, SHOWN_BODY);
      if (!retryable(answer.status)) {
        throw new DeliveryRejectedError(
          `${d.channel} rejected the escalation with HTTP ${answer.status}${said ? `: ${said}` : ''} (not retried: a 4xx means the request or its key is wrong). To fix: check the channel's URL or key in escalation.channels`,
        );
      }
      last = `HTTP ${answer.status}${said ? `: ${said}` : ''}`;
    } catch (err) {
      if (!(err instanceof NoAnswerError)) throw err;
      last = err.message;
    }
    if (attempt < d.attempts) await pause(Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempt - 1)));
  }
  throw new DeliveryFailedError(`${d.channel} did not accept the escalation after ${d.attempts} attempt(s): ${last}`);
}
