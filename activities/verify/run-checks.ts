import type { VerifyCheck, VerifyConfig } from '../../src/config/verify-schema.js';
import type { VerifyOutput } from '../contract.js';
import type { CheckResult } from './check-result.js';
import { httpProbe } from './http-probe.js';
import { prometheusQuery } from './prometheus-query.js';
import { tcpProbe } from './tcp-probe.js';

function runCheck(check: VerifyCheck, deadline: number): Promise<CheckResult> {
  switch (check.type) {
    case 'http':
      return httpProbe(check, deadline);
    case 'tcp':
      return tcpProbe(check, deadline);
    case 'prometheus':
      return prometheusQuery(check, deadline);
  }
}

/**
 * Run every check of a target side by side under one deadline. Healthy only if all pass; an
 * unhealthy answer is a result (the playbook decides what to do), not an error.
 */
export async function verifyTarget(target: string, cfg: VerifyConfig): Promise<VerifyOutput> {
  const started = Date.now();
  const deadline = started + cfg.deadline;
  // allSettled: a check that throws (a bad query) must not leave the others running unobserved.
  const settled = await Promise.allSettled(cfg.checks.map((check) => runCheck(check, deadline)));
  const thrown = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (thrown !== undefined) throw thrown.reason;
  const results = settled.map((s) => (s as PromiseFulfilledResult<CheckResult>).value);
  const healthy = results.every((r) => r.ok);
  const failed = results.filter((r) => !r.ok);
  return {
    healthy,
    summary: healthy
      ? `${target} is healthy: ${results.map((r) => r.detail).join('; ')}`
      : `${target} is unhealthy: ${failed.map((r) => r.detail).join('; ')}`,
    data: { healthy, tookMs: Date.now() - started, checks: results.map((r) => ({ ok: r.ok, detail: r.detail })) },
  };
}
