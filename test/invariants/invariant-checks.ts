import type { ActivityName } from '../../activities/contract.js';
import type { CallRecord, CheckResult, RunRecord, ScenarioRecord, Violation } from './scenario-record.js';

// The safety invariants of DESIGN.md as pure functions over a recorded scenario. Each reads only
// observable facts: the fleet's calls, the server's answers, the runs' results (entry kinds and
// data fields, never message wording). Unit-tested on hand-made records in invariant-checks.test.ts.

/** Activities that change a target: the kill switch, the guards and "the last change" are about these. */
const CHANGES: ReadonlySet<ActivityName> = new Set(['isolate', 'rejoin', 'restart', 'rollback', 'rollforward']);
/** Changes after which a target may be unhealthy: a rejoin needs a passing verify after the last one. */
const RISKY_CHANGES: ReadonlySet<ActivityName> = new Set(['isolate', 'restart', 'rollback', 'rollforward']);

const v = (invariant: number, check: string, message: string): Violation => ({ invariant, check, message });
const describeCall = (c: CallRecord) => `#${c.id} ${c.activity}${c.event ? `(${c.event})` : ''} on ${c.target} by ${c.incidentId} [${c.start}-${c.end ?? '…'} ${c.outcome}]`;
const runName = (r: RunRecord) => `${r.incidentId} (run ${r.runId.slice(0, 8)})`;

/** The run a call belongs to: the latest run of its incident opened before the call started. */
export function runOf(record: ScenarioRecord, call: CallRecord): RunRecord | undefined {
  return record.runs.filter((r) => r.incidentId === call.incidentId && r.openedAt < call.start).sort((a, b) => b.openedAt - a.openedAt)[0];
}

function callsOfRun(record: ScenarioRecord, run: RunRecord): CallRecord[] {
  return record.calls.filter((c) => runOf(record, c) === run);
}

/** (1) Every signal answered as recorded is in its run's record (an entry or a count). */
export function signalsAreRecorded(record: ScenarioRecord): CheckResult {
  const violations: Violation[] = [];
  for (const run of record.runs) {
    if (run.result === undefined) continue; // (5) reports a run without a result
    const answered = new Set(run.signalIds).size;
    if (run.result.signals < answered) {
      violations.push(v(1, 'signals are recorded', `${runName(run)} was answered ${answered} distinct signal(s) but records ${run.result.signals}`));
    }
  }
  return { checked: record.runs.length, violations };
}

/** (2) A rejoin only after a verify that passed after the last change to that target. */
export function rejoinOnlyAfterPassingVerify(record: ScenarioRecord): CheckResult {
  const violations: Violation[] = [];
  const rejoins = record.calls.filter((c) => c.activity === 'rejoin' && c.outcome === 'ok');
  for (const rejoin of rejoins) {
    const before = record.calls.filter((c) => c.target === rejoin.target && c.start < rejoin.start && c.id !== rejoin.id);
    const lastChange = before.filter((c) => RISKY_CHANGES.has(c.activity)).sort((a, b) => b.start - a.start)[0];
    if (lastChange === undefined) continue; // nothing was done to it: rejoining changes nothing
    const changedUntil = lastChange.end ?? Number.POSITIVE_INFINITY;
    const passed = before.some((c) => c.activity === 'verify' && c.outcome === 'ok' && c.healthy === true && c.start > changedUntil);
    if (!passed) {
      violations.push(v(2, 'rejoin only after a passing verify', `${describeCall(rejoin)} put ${rejoin.target} back after ${describeCall(lastChange)} with no passing verify in between`));
    }
  }
  return { checked: rejoins.length, violations };
}

/** (2) A target left out of rotation at the end: a human was paged about it. */
export function leftOutIsPaged(record: ScenarioRecord): CheckResult {
  const violations: Violation[] = [];
  for (const target of record.isolatedAtEnd) {
    const paged = record.calls.some(
      (c) => c.activity === 'escalate' && c.event === 'trigger' && c.outcome === 'ok' && record.runs.some((r) => r.incidentId === c.incidentId && r.target === target),
    );
    // A paging channel that refuses every attempt: medic must have tried and said so on the record.
    const onIt = record.runs.filter((r) => r.target === target);
    const tried = record.calls.some((c) => c.activity === 'escalate' && c.event === 'trigger' && onIt.some((r) => r.incidentId === c.incidentId));
    const saidSo = onIt.some((r) => r.result?.timeline.some((e) => e.data?.['pageNotDelivered'] === true) === true);
    if (!paged && !(tried && saidSo)) violations.push(v(2, 'a target left out is paged', `${target} is out of rotation at the end and no page was sent by an incident on it`));
  }
  return { checked: record.isolatedAtEnd.length, violations };
}

/** (3) At no instant more members of a pool out of rotation than its limit. */
export function poolLimitNeverExceeded(record: ScenarioRecord): CheckResult {
  const violations: Violation[] = [];
  // Out of rotation from the end of a successful isolate to the end of a successful rejoin.
  const changes = record.calls
    .filter((c) => (c.activity === 'isolate' || c.activity === 'rejoin') && c.outcome === 'ok' && c.end !== undefined)
    .sort((a, b) => (a.end as number) - (b.end as number));
  let checked = 0;
  for (const [pool, { members, maxIsolated }] of Object.entries(record.pools)) {
    const out = new Set<string>();
    for (const c of changes.filter((x) => members.includes(x.target))) {
      if (c.activity === 'isolate') out.add(c.target);
      else out.delete(c.target);
      checked += 1;
      if (out.size > maxIsolated) {
        violations.push(v(3, 'pool limit', `pool ${pool} had ${[...out].join(', ')} out of rotation at once (limit ${maxIsolated}) after ${describeCall(c)}`));
        break;
      }
    }
  }
  return { checked, violations };
}

/** (3) Restart attempts per target in any window never exceed the budget. */
export function restartBudgetRespected(record: ScenarioRecord): CheckResult {
  const violations: Violation[] = [];
  const { max, windowMs } = record.restartBudget;
  const byTarget = new Map<string, CallRecord[]>();
  for (const c of record.calls.filter((x) => x.activity === 'restart')) byTarget.set(c.target, [...(byTarget.get(c.target) ?? []), c]);
  for (const [target, restarts] of byTarget) {
    const times = restarts.map((c) => c.atMs).sort((a, b) => a - b);
    for (let i = 0; i + max < times.length; i++) {
      if ((times[i + max] as number) - (times[i] as number) < windowMs) {
        violations.push(v(3, 'restart budget', `${target} had ${max + 1} restart attempts within ${Math.round(((times[i + max] as number) - (times[i] as number)) / 1000)} s (budget ${max} per ${windowMs / 60_000} min)`));
        break;
      }
    }
  }
  return { checked: byTarget.size, violations };
}

/** (3) No action that changes a target starts after `pause` answered (until resume was sent). */
export function nothingChangesWhilePaused(record: ScenarioRecord): CheckResult {
  const violations: Violation[] = [];
  const changes = record.calls.filter((c) => CHANGES.has(c.activity));
  for (const pause of record.pauses) {
    const until = pause.resumeSentAt ?? Number.POSITIVE_INFINITY;
    for (const c of changes.filter((x) => x.start > pause.answeredAt && x.start < until)) {
      violations.push(v(3, 'kill switch', `${describeCall(c)} started after pause answered at ${pause.answeredAt}`));
    }
  }
  return { checked: changes.length * record.pauses.length, violations };
}

/** (4) One playbook per target: the calls of different incidents on a target never interleave. */
export function onePlaybookPerTarget(record: ScenarioRecord): CheckResult {
  const violations: Violation[] = [];
  // Pages are about the target, not acting on it; a closing page may follow the release.
  const spans = new Map<string, { run: RunRecord; from: number; to: number }[]>();
  for (const run of record.runs) {
    const calls = callsOfRun(record, run).filter((c) => c.activity !== 'escalate');
    if (calls.length === 0) continue;
    const from = Math.min(...calls.map((c) => c.start));
    const to = Math.max(...calls.map((c) => c.end ?? Number.POSITIVE_INFINITY));
    spans.set(run.target, [...(spans.get(run.target) ?? []), { run, from, to }]);
  }
  let checked = 0;
  for (const [target, list] of spans) {
    list.sort((a, b) => a.from - b.from);
    for (let i = 1; i < list.length; i++) {
      checked += 1;
      const prev = list[i - 1] as (typeof list)[number];
      const next = list[i] as (typeof list)[number];
      if (next.from < prev.to) {
        violations.push(v(4, 'one playbook per target', `${runName(next.run)} acted on ${target} at ${next.from} while ${runName(prev.run)} was still acting on it (until ${prev.to})`));
      }
    }
  }
  return { checked, violations };
}

/** (5) Every incident ends (completed, with a result) with exactly one outcome entry. */
export function everyIncidentEndsOnce(record: ScenarioRecord): CheckResult {
  const violations: Violation[] = [];
  for (const run of record.runs) {
    if (run.status !== 'COMPLETED' || run.result === undefined) {
      violations.push(v(5, 'every incident ends', `${runName(run)} did not complete: ${run.status}`));
      continue;
    }
    const outcomes = run.result.timeline.filter((e) => e.kind === 'outcome').length;
    if (outcomes !== 1) violations.push(v(5, 'exactly one outcome', `${runName(run)} has ${outcomes} outcome entries`));
  }
  return { checked: record.runs.length, violations };
}

/** (5) An incident's steps end with it: none is still running once every incident has ended. */
export function noStepOutlivesItsIncident(record: ScenarioRecord): CheckResult {
  const violations: Violation[] = [];
  for (const c of record.calls.filter((x) => x.outcome === 'abandoned')) {
    const run = runOf(record, c);
    violations.push(v(5, 'no step outlives its incident', `${describeCall(c)} was still running after ${run ? runName(run) : c.incidentId} ended ${run?.result?.outcome ?? run?.status ?? ''}`));
  }
  return { checked: record.calls.length, violations };
}

/** (6) Every page triggered is acknowledged or resolved by the time its incident closes. */
export function everyPageClosed(record: ScenarioRecord): CheckResult {
  const violations: Violation[] = [];
  let checked = 0;
  for (const run of record.runs) {
    const pages = callsOfRun(record, run).filter((c) => c.activity === 'escalate' && c.outcome === 'ok');
    const lastTrigger = pages.filter((c) => c.event === 'trigger').sort((a, b) => b.start - a.start)[0];
    if (lastTrigger === undefined) continue;
    checked += 1;
    const closed = pages.some((c) => (c.event === 'acknowledge' || c.event === 'resolve') && c.start > lastTrigger.start);
    // A channel that refuses every attempt cannot be made to close a page: then medic must have
    // tried (a resolve or acknowledge sent after the trigger) and said so on the record.
    const tried = callsOfRun(record, run).some((c) => c.activity === 'escalate' && (c.event === 'acknowledge' || c.event === 'resolve') && c.start > lastTrigger.start);
    const saidSo = run.result?.timeline.some((e) => e.data?.['pageNotClosed'] !== undefined) === true;
    if (!closed && !(tried && saidSo)) violations.push(v(6, 'every page is closed', `${runName(run)} ended ${run.result?.outcome ?? run.status} with its page ${describeCall(lastTrigger)} neither acknowledged nor resolved`));
  }
  return { checked, violations };
}

/** (8) After an abort is accepted, no new step starts but the safe undo (and a page about what it left out). */
/** Of a change and its undo, which one last succeeded on `target` before `time`. */
function lastOkBefore(record: ScenarioRecord, target: string, time: number, pair: [ActivityName, ActivityName]): ActivityName | undefined {
  return record.calls
    .filter((c) => c.target === target && pair.includes(c.activity) && c.outcome === 'ok' && c.end !== undefined && c.end < time)
    .sort((a, b) => (b.end as number) - (a.end as number))[0]?.activity;
}

/** Whether `target` was out of rotation at `time`: its last isolate or rejoin that ended before then decides. */
function outOfRotationAt(record: ScenarioRecord, target: string, time: number): boolean {
  return lastOkBefore(record, target, time, ['isolate', 'rejoin']) === 'isolate';
}

/** Whether `target` was left changed at `time`: out of rotation, or rolled back and not rolled forward since. */
function leftChangedAt(record: ScenarioRecord, target: string, time: number): boolean {
  return outOfRotationAt(record, target, time) || lastOkBefore(record, target, time, ['rollback', 'rollforward']) === 'rollback';
}

export function abortIsNeverSwallowed(record: ScenarioRecord): CheckResult {
  const violations: Violation[] = [];
  let checked = 0;
  for (const run of record.runs.filter((r) => r.abortAcceptedAt !== undefined)) {
    checked += 1;
    for (const c of callsOfRun(record, run).filter((x) => x.start > (run.abortAcceptedAt as number))) {
      const undo = c.activity === 'rejoin' || c.activity === 'rollforward' || c.activity === 'verify';
      const closingPage = c.activity === 'escalate' && (c.event === 'acknowledge' || c.event === 'resolve');
      // About a target left changed when the page went out (a later incident may have put it back).
      const pageAboutLeftOut = c.activity === 'escalate' && c.event === 'trigger' && leftChangedAt(record, run.target, c.start);
      if (!undo && !closingPage && !pageAboutLeftOut) {
        violations.push(v(8, 'abort is never swallowed', `${describeCall(c)} started after the abort of ${runName(run)} was accepted at ${run.abortAcceptedAt}`));
      }
    }
  }
  return { checked, violations };
}

/** (10) Every fleet call has its entry in its incident's timeline (one started entry per attempt). */
export function everyCallOnRecord(record: ScenarioRecord): CheckResult {
  const violations: Violation[] = [];
  let checked = 0;
  for (const run of record.runs.filter((r) => r.result !== undefined)) {
    const calls = callsOfRun(record, run);
    const entries = run.result?.timeline ?? [];
    for (const activity of new Set(calls.map((c) => c.activity))) {
      checked += 1;
      const made = calls.filter((c) => c.activity === activity).length;
      const recorded = entries.filter((e) => e.kind.endsWith('started') && e.data?.['activity'] === activity).length;
      if (recorded < made) violations.push(v(10, 'every call is on the record', `${runName(run)} made ${made} ${activity} call(s); its timeline records ${recorded}`));
    }
  }
  return { checked, violations };
}

export const CHECKERS: readonly ((record: ScenarioRecord) => CheckResult)[] = [
  signalsAreRecorded,
  rejoinOnlyAfterPassingVerify,
  leftOutIsPaged,
  poolLimitNeverExceeded,
  restartBudgetRespected,
  nothingChangesWhilePaused,
  onePlaybookPerTarget,
  everyIncidentEndsOnce,
  noStepOutlivesItsIncident,
  everyPageClosed,
  abortIsNeverSwallowed,
  everyCallOnRecord,
];

/** Every checker over one record: the number of facts checked and every violation. */
export function checkAll(record: ScenarioRecord): CheckResult {
  const results = CHECKERS.map((check) => check(record));
  return { checked: results.reduce((n, r) => n + r.checked, 0), violations: results.flatMap((r) => r.violations) };
}
