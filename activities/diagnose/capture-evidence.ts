import type { TargetConfig } from '../../src/config/target-schema.js';
import { DiagnoseSchema, type DiagnoseConfig } from '../../src/config/diagnose-schema.js';
import type { Params, JsonValue } from '../../workflows/definitions.js';
import type { StepOutput } from '../contract.js';
import { DriverError } from '../driver-errors.js';
import { processManagerFor } from '../process/process-manager.js';
import { httpRequest } from '../support/http-request.js';
import { heartbeat } from '../support/waiting.js';
import { tailLogs, type LogTail } from './log-tail.js';
import { procStats } from './proc-stats.js';

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const sizeOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/**
 * Evidence before a restart changes everything: the process's CPU, memory and open files, the end
 * of its log, and a debug endpoint. Each source is best effort (a missing one is noted, not fatal),
 * and the whole is capped at `maxBytes` because it lands in the workflow history.
 */
export async function captureEvidence(target: string, cfg: TargetConfig): Promise<StepOutput> {
  const diag: DiagnoseConfig = cfg.diagnose ?? DiagnoseSchema.parse({});
  const evidence: Params = {};
  const notes: string[] = [];
  const problems: string[] = [];
  const note = (what: string, err: unknown) => {
    if (err instanceof DriverError && !err.retryable) throw err; // a wrong configuration is worth stopping for
    problems.push(`${what}: ${messageOf(err)}`);
  };

  if (cfg.process !== undefined) {
    const manager = processManagerFor(target, cfg.process);
    try {
      const pid = await manager.mainPid();
      if (pid === undefined) {
        notes.push(`${manager.label} is not running`);
        evidence['process'] = { running: false };
      } else {
        const stats = await procStats(pid, diag.cpuSample);
        evidence['process'] = { running: true, ...stats };
        notes.push(`PID ${pid}: cpu ${stats.cpuPercent}%, rss ${Math.round(stats.rssBytes / 1048576)} MiB, ${stats.openFiles} open files`);
      }
    } catch (err) {
      note('process', err);
    }
    heartbeat({ captured: 'process' });
    if (diag.logLines > 0) {
      try {
        const source = await manager.logSource();
        if (source !== undefined) {
          const tails = await tailLogs(source, diag.logLines, diag.maxBytes, cfg.process.commandTimeout, `targets.${target}.process`);
          evidence['log'] = tails as unknown as JsonValue;
          notes.push(`last ${tails.reduce((n, t) => n + t.lines.length, 0)} log lines`);
        }
      } catch (err) {
        note('log', err);
      }
    }
  }
  heartbeat({ captured: 'log' });

  if (diag.debugUrl !== undefined) {
    try {
      const answer = await httpRequest(diag.debugUrl, { timeoutMs: diag.requestTimeout, maxBytes: Math.floor(diag.maxBytes / 4) });
      evidence['debug'] = { status: answer.status, body: answer.body, truncated: answer.truncated };
      notes.push(`debug endpoint HTTP ${answer.status}`);
    } catch (err) {
      note('debug endpoint', err);
    }
  }

  if (cfg.process === undefined && diag.debugUrl === undefined) {
    return { summary: `no evidence sources are configured for ${target}`, data: { description: cfg.description ?? null, pool: cfg.pool ?? null } };
  }
  if (problems.length > 0) evidence['problems'] = problems;
  const truncated = capEvidence(evidence, diag.maxBytes);
  return {
    summary: `evidence from ${target}: ${notes.join('; ') || 'none'}${problems.length > 0 ? ` (could not read: ${problems.length})` : ''}${truncated ? ' (truncated)' : ''}`,
    data: { ...evidence, bytes: sizeOf(evidence), truncated },
  };
}

/** Drop the oldest log lines, then the debug body, until the evidence fits in `maxBytes`. */
function capEvidence(evidence: Params, maxBytes: number): boolean {
  let truncated = false;
  const logs = (evidence['log'] as unknown as LogTail[] | undefined) ?? [];
  while (sizeOf(evidence) > maxBytes && logs.some((l) => l.lines.length > 0)) {
    const longest = logs.reduce((a, b) => (b.lines.length > a.lines.length ? b : a));
    longest.lines.splice(0, Math.max(1, Math.ceil(longest.lines.length / 4)));
    truncated = true;
  }
  const debug = evidence['debug'] as { body?: string; truncated?: boolean } | undefined;
  if (sizeOf(evidence) > maxBytes && debug?.body !== undefined) {
    const over = sizeOf(evidence) - maxBytes;
    debug.body = debug.body.slice(0, Math.max(0, debug.body.length - over - 16));
    debug.truncated = true;
    truncated = true;
  }
  return truncated;
}
