import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DeterminismViolationError } from '@temporalio/workflow';
import { explainReplayFailure } from '../../src/incidents/replay-explain.js';
import { readHistoryFile, ReplayInputError } from '../../src/incidents/replay-sources.js';
import { HISTORIES_DIR } from '../helpers/fixtures.js';

// What `medic replay` says about a run that does not replay, from the core's messages (as the
// SDK wraps them), and which history files it accepts.

const recorded = readHistoryFile(join(HISTORIES_DIR, 'http-service-outage-rolled-back.json'));
const wrapped = (core: string) =>
  new DeterminismViolationError(`Replay failed with a nondeterminism error. Details: Workflow activation completion failed: Failure { failure: Some(Failure { message: "[TMPRL1100] Nondeterminism error: ${core}", source: "" }) }`);
const work = mkdtempSync(join(tmpdir(), 'medic-replay-unit-'));
after(() => rmSync(work, { recursive: true, force: true }));

// The event at which the recorded run scheduled its first isolate: fixtures are re-recorded whenever
// the engine changes, so the number comes from the history, not from this file.
const isolateEvent = (() => {
  const events = (recorded.history.events ?? []) as Array<{ eventId?: unknown; activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null }>;
  const found = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'isolate');
  assert.ok(found !== undefined, 'the fixture isolates');
  return Number(found.eventId);
})();

describe('replay failures in words', () => {
  const cases: [string, string, RegExp][] = [
    ['an inserted step or check', 'Missing associated machine for LocalActivity(2)', /the new code starts a local activity .* that the recorded run never started at that point/],
    ['another activity in the same place', "Activity type of scheduled event 'isolate' does not match activity type of activity command 'diagnose'", /where the recorded run ran activity "isolate", the new code runs activity "diagnose"/],
    [
      'a removed step, named from the history',
      `No command scheduled for event HistoryEvent(id: ${isolateEvent}, ActivityTaskScheduled)`,
      new RegExp(`the recorded run did step "isolate checkout-api-1 \\(attempt 1 of 3\\)" \\(activity isolate\\) at event ${isolateEvent}, and the new code does not do that there`),
    ],
    ['a step started where the run updated its status', 'Activity machine does not handle this event: HistoryEvent(id: 6, UpsertWorkflowSearchAttributes)', /the new code starts a step \(an activity\) where the recorded run did an update of its search attributes .* \(event 6\): a step was inserted or moved earlier/],
    ['a message medic does not know', 'something new in a later SDK', /the new code takes a different path than the recorded run did/],
  ];
  for (const [what, core, words] of cases) {
    it(`explains ${what}, names the playbook in To fix, and keeps Temporal's message`, () => {
      const f = explainReplayFailure(wrapped(core), recorded);
      assert.equal(f.kind, 'nondeterminism');
      assert.match(f.explanation, words);
      assert.match(f.explanation, /This run is closed, but an incident open at this point when the change is deployed would be stuck/);
      assert.match(f.toFix, /^in playbook "http-service-outage", guard the change with patched\(/);
      assert.equal(f.temporalMessage, `[TMPRL1100] Nondeterminism error: ${core}`);
    });
  }

  it('lists the steps the recorded run took, each retried step once', () => {
    const f = explainReplayFailure(wrapped('x'), recorded);
    assert.deepEqual(f.recordedSteps.slice(0, 2), ['isolate checkout-api-1', 'diagnose checkout-api-1']);
    assert.ok(f.recordedSteps.every((s, i) => s !== f.recordedSteps[i - 1] && !/attempt \d+ of/.test(s)));
  });

  it('a failure other than nondeterminism says the code failed, not that it changed', () => {
    const f = explainReplayFailure(new Error('Workflow type incidentWorkflow not found'), recorded);
    assert.equal(f.kind, 'failure');
    assert.match(f.explanation, /^the new code failed while replaying this run: Workflow type incidentWorkflow not found/);
    assert.match(f.toFix, /still exported from the bundle's entry/);
  });
});

describe('history files medic replay reads', () => {
  it('reads the raw history of `temporal workflow show --output json`, taking the workflow id from the start event', () => {
    const raw = join(work, 'raw.json');
    const { history } = JSON.parse(readFileSync(join(HISTORIES_DIR, 'http-service-outage-rolled-back.json'), 'utf8')) as { history: unknown };
    writeFileSync(raw, JSON.stringify(history));
    const h = readHistoryFile(raw);
    assert.equal(h.workflowId, recorded.workflowId);
    assert.equal(h.playbook, 'http-service-outage');
    assert.equal(h.workflowType, 'incidentWorkflow');
    assert.match(h.runId, /^[0-9a-f-]{36}$/);
  });

  it('refuses, with the file and a To fix, JSON that is not a history or has no workflow id', () => {
    const notJson = join(work, 'not.json');
    writeFileSync(notJson, 'events: nope');
    assert.throws(() => readHistoryFile(notJson), (e: unknown) => e instanceof ReplayInputError && e.message.startsWith(`${notJson} is not JSON`) && e.message.includes('To fix:'));
    const { history } = JSON.parse(readFileSync(join(HISTORIES_DIR, 'http-service-outage-rolled-back.json'), 'utf8')) as { history: { events: { workflowExecutionStartedEventAttributes?: { workflowId?: string } }[] } };
    delete history.events[0]?.workflowExecutionStartedEventAttributes?.workflowId;
    const anonymous = join(work, 'anonymous.json');
    writeFileSync(anonymous, JSON.stringify(history));
    assert.throws(() => readHistoryFile(anonymous), /does not say which workflow it is .* To fix: save it as \{ "workflowId": "incident-\.\.\.", "history": <the history> \}/);
  });
});
