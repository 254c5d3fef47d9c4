import { z } from 'zod';
import type { PrometheusCheck } from '../../src/config/verify-schema.js';
import { MisconfigurationError, TargetUnavailableError } from '../driver-errors.js';
import { httpRequest, NoAnswerError } from '../support/http-request.js';
import { heartbeat, pause } from '../support/waiting.js';
import { msLeft, type CheckResult } from './check-result.js';

// Prometheus' HTTP API reply to an instant query (GET /api/v1/query), checked at the edge.
const SampleValue = z.tuple([z.number(), z.string()]);
const QueryReply = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: SampleValue })) }),
      z.object({ resultType: z.literal('scalar'), result: SampleValue }),
      z.object({ resultType: z.literal('matrix'), result: z.array(z.unknown()) }),
      z.object({ resultType: z.literal('string'), result: z.unknown() }),
    ]),
  }),
  z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() }),
]);

const MAX_SHOWN = 3;

/** The values an instant query returns now; a bad query is a misconfiguration. */
async function queryValues(check: PrometheusCheck, timeoutMs: number): Promise<{ label: string; value: number }[]> {
  const url = new URL('api/v1/query', check.url.endsWith('/') ? check.url : `${check.url}/`);
  url.searchParams.set('query', check.query);
  const answer = await httpRequest(url.toString(), { timeoutMs, maxBytes: 1024 * 1024 });
  let reply: z.infer<typeof QueryReply>;
  try {
    reply = QueryReply.parse(JSON.parse(answer.body));
  } catch {
    throw new TargetUnavailableError(`Prometheus at ${check.url} answered HTTP ${answer.status} with something that is not a query result. To fix: check that the verify check's url is Prometheus' base URL`);
  }
  if (reply.status === 'error') {
    if (reply.errorType === 'bad_data') throw new MisconfigurationError(`Prometheus rejected the verify query "${check.query}": ${reply.error}. To fix: correct the query`);
    throw new TargetUnavailableError(`Prometheus could not run the verify query (${reply.errorType}: ${reply.error})`);
  }
  const data = reply.data;
  if (data.resultType === 'scalar') return [{ label: 'scalar', value: Number(data.result[1]) }];
  if (data.resultType !== 'vector') throw new MisconfigurationError(`the verify query "${check.query}" returns a ${data.resultType}, not an instant vector. To fix: write an instant query (no [range] at the end)`);
  return data.result.map((s) => ({ label: JSON.stringify(s.metric), value: Number(s.value[1]) }));
}

/**
 * A PromQL query that describes the bad condition must come back empty (or every value under
 * `below`) before the deadline. Not reaching Prometheus is not "unhealthy": it fails the step,
 * since medic cannot tell.
 */
export async function prometheusQuery(check: PrometheusCheck, deadline: number): Promise<CheckResult> {
  const name = `prometheus "${check.query}"`;
  let lastProblem = '';
  let reached = false;
  for (;;) {
    try {
      const values = await queryValues(check, Math.max(1, Math.min(check.requestTimeout, msLeft(deadline))));
      reached = true;
      const bad = values.filter((v) => check.below === undefined || !(v.value < check.below));
      if (bad.length === 0) {
        return { ok: true, detail: `${name}: ${values.length === 0 ? 'empty' : `all ${values.length} value(s) below ${check.below}`}` };
      }
      const shown = bad.slice(0, MAX_SHOWN).map((v) => `${v.label}=${v.value}`).join(', ');
      lastProblem = check.below === undefined ? `returned ${bad.length} series (expected none): ${shown}` : `${bad.length} value(s) not below ${check.below}: ${shown}`;
    } catch (err) {
      if (!(err instanceof NoAnswerError)) throw err;
      lastProblem = `Prometheus at ${check.url} ${err.message}`;
    }
    heartbeat({ check: name });
    if (msLeft(deadline) <= check.interval) {
      if (!reached) throw new TargetUnavailableError(`cannot verify: ${lastProblem}. To fix: check that Prometheus is up`);
      return { ok: false, detail: `${name}: ${lastProblem}` };
    }
    await pause(check.interval);
  }
}
