import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { temporal } from '@temporalio/proto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { createGuardActivities } from '../../activities/guards/guard-activities.js';
import type { MedicActivities } from '../../activities/contract.js';
import { GuardsSchema } from '../../src/config/guards-schema.js';
import { abortUpdate, stateQuery, timelineQuery } from '../../workflows/definitions.js';
import { guardRequestSignal, guardStateQuery, guardWorkflowId, pinLimitsUpdate } from '../../workflows/guards/definitions.js';
import { limitsHash, type GuardLimits } from '../../workflows/guards/guard-limits.js';
import { emptyGuardState } from '../../workflows/guards/guard-state.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { saveHistoryFixture } from '../helpers/fixtures.js';
import { act, completedActivities, openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { closeTestTemporal, eventually, NAMESPACE, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';
import { createMedicWorker } from '../../src/worker/create-worker.js';

after(closeTestTemporal);

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const signalsNamed = async (handle: { fetchHistory(): Promise<{ events?: unknown[] | null }> }, kind: 'in' | 'out', signalName: string) => {
  type Event = {
    workflowExecutionSignaledEventAttributes?: { signalName?: string | null; input?: { payloads?: { data?: Uint8Array | null }[] | null } | null } | null;
    signalExternalWorkflowExecutionInitiatedEventAttributes?: { signalName?: string | null; input?: { payloads?: { data?: Uint8Array | null }[] | null } | null } | null;
  };
  const events = ((await handle.fetchHistory()).events ?? []) as Event[];
  return events.flatMap((e) => {
    const attrs = kind === 'in' ? e.workflowExecutionSignaledEventAttributes : e.signalExternalWorkflowExecutionInitiatedEventAttributes;
    if (attrs?.signalName !== signalName) return [];
    return [JSON.parse(Buffer.from(attrs.input?.payloads?.[0]?.data ?? new Uint8Array()).toString()) as Record<string, unknown>];
  });
};

const limits: GuardLimits = { pools: [], restartBudget: { max: 5, windowMs: 3_600_000 } };

describe('no wait without end', () => {
  /**
   * A waiter's check on its holder whose query the guards never answer (the guard workflow busy,
   * or no worker left to serve its queries while this one stops). Each call hangs until cancelled.
   */
  const hangingHolderCheck = () => {
    const calls = { started: 0 };
    const pending = new Set<(err: Error) => void>();
    const guardReapTarget = () => {
      calls.started += 1;
      return new Promise<never>((_, reject) => {
        const ctx = Context.current();
        const cap = setTimeout(() => reject(new Error('hanging check: 5 minutes passed')), 300_000);
        const end = (err: unknown) => {
          clearTimeout(cap);
          pending.delete(end);
          reject(err);
        };
        pending.add(end);
        ctx.cancelled.catch(end);
      });
    };
    /** The guards answer again: the checks still out fail (as a query that timed out would). */
    const release = () => [...pending].forEach((end) => end(new Error('the guards did not answer the query')));
    return { calls, guardReapTarget, release };
  };
  const waiterRoute = (target: string) => testRoute({ target, playbook: 'diagnose-and-escalate', params: { ackTimeout: '10 minutes', humanHold: '10 minutes' } });

  it('a waiter whose check on its holder hangs still takes the target as soon as the holder gives it back', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const check = hangingHolderCheck();
    const activities = { ...fleet.activities, guardReapTarget: check.guardReapTarget } as unknown as MedicActivities;
    await withWorker(name, activities, async () => {
      const holder = await openIncident(name, testSignal(`${name}-a`), waiterRoute('db-4'));
      await eventually('the holder to page', async () => ((await holder.query(stateQuery)).awaitingAck ? true : undefined));
      const waiter = await openIncident(name, testSignal(`${name}-b`), waiterRoute('db-4'));
      await eventually('the waiter to be checking on its holder', async () => (check.calls.started >= 1 ? true : undefined));
      const freed = Date.now();
      await act(holder, abortUpdate, 'kim', 'handled by hand');
      // Before: the waiter sat in its check (30 s a try, 20 tries) and took the target only after it.
      await eventually('the waiter to take the target and page', async () => ((await waiter.query(stateQuery)).awaitingAck ? true : undefined), 5_000);
      console.log(`the waiter paged ${Date.now() - freed} ms after the holder was aborted, its holder check hanging`);
      const notes = (await waiter.query(timelineQuery)).map((e) => e.message);
      assert.ok(notes.includes(`db-4 is free (${holder.workflowId} ended aborted)`), notes.join('\n'));
      await act(waiter, abortUpdate, 'kim', 'done');
      assert.equal((await waiter.result()).outcome, 'aborted');
      check.release();
    });
  });

  it('a worker stops within seconds while a waiter checks on its holder and the guards do not answer (it once held a worker restart for minutes)', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const check = hangingHolderCheck();
    const { client, native, bundle } = await testTemporal();
    const worker = await createMedicWorker({
      connection: native,
      namespace: NAMESPACE,
      taskQueue: name,
      activities: { ...fleet.activities, guardReapTarget: check.guardReapTarget } as unknown as MedicActivities,
      workflowBundle: bundle,
      shutdownGraceTime: '100 milliseconds',
    });
    const running = worker.run();
    const handles = [];
    try {
      const holder = await openIncident(name, testSignal(`${name}-a`), waiterRoute('db-5'));
      handles.push(holder);
      await eventually('the holder to page', async () => ((await holder.query(stateQuery)).awaitingAck ? true : undefined));
      handles.push(await openIncident(name, testSignal(`${name}-b`), waiterRoute('db-5')));
      await eventually('the waiter to be checking on its holder', async () => (check.calls.started >= 1 ? true : undefined));
      const asked = Date.now();
      worker.shutdown();
      const stopped = await Promise.race([running.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 40_000))]);
      assert.ok(stopped, 'the worker did not stop within 40 s: a hanging holder check held its shutdown');
      const tookMs = Date.now() - asked;
      console.log(`worker stopped ${tookMs} ms after it was asked to, a holder check hanging`);
      assert.ok(tookMs < 10_000, `the worker took ${tookMs} ms to stop`);
    } finally {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.all(handles.map((h) => h.terminate('test finished').catch(() => undefined)));
      await client.workflow.getHandle(guardWorkflowId(name)).terminate('test finished').catch(() => undefined);
    }
  });

  it('an ask the guards never answer is asked again with the same request id, then the incident pages a human and holds, changing nothing', async (t) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    // The guard workflow runs, but on a task queue no worker serves: it takes every request and
    // answers none (as when the guard is stuck), so each ask waits out its deadline.
    const stuck = await client.workflow.start('guardWorkflow', { workflowId: guardWorkflowId(name), taskQueue: `${name}-nobody`, args: [] });
    const fleet = new FakeFleet();
    const guards = { guards: GuardsSchema.parse({ answerDeadline: '1 second', asks: 3 }), targets: {} };
    try {
      await withWorker(
        name,
        fleet.activities,
        async () => {
          const incident = await openIncident(name, testSignal(name), testRoute({ target: 'api-7', params: { ackTimeout: '10 minutes', humanHold: '10 minutes' } }));
          await eventually('the incident to page a human', async () => ((await incident.query(stateQuery)).awaitingAck ? true : undefined));
          const notes = (await incident.query(timelineQuery)).map((e) => e.message);
          assert.equal(notes.filter((m) => /^the guards: the request for api-7 got no answer within 1 second; asking again \(ask [23] of 3, same request /.test(m)).length, 2, notes.join('\n'));
          assert.ok(notes.some((m) => /^the guards did not answer the request for api-7 after 3 asks .*nothing was changed\. To fix: /.test(m)), notes.join('\n'));
          assert.deepEqual(fleet.order, ['escalate'], 'nothing was done to api-7; a human was paged');
          const asked = await signalsNamed(stuck, 'in', 'guardRequest');
          assert.equal(asked.length, 3, 'asked three times');
          assert.equal(new Set(asked.map((r) => r['requestId'])).size, 1, 'always with the same request id');
          await act(incident, abortUpdate, 'ivy', 'guards looked at');
          assert.equal((await incident.result()).outcome, 'aborted');
          await saveHistoryFixture('http-service-outage-guards-unanswered', incident);
        },
        { guards },
      );
    } finally {
      await stuck.terminate('test finished').catch(() => undefined);
    }
  });

  it('the guard answers a request asked again from its record and never applies it twice', async (t) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    await withWorker(name, new FakeFleet().activities, async () => {
      const guard = await client.workflow.start('guardWorkflow', { workflowId: guardWorkflowId(name), taskQueue: name, args: [emptyGuardState()] });
      // An incident that does not exist: the answers fail to arrive and are logged, but are sent.
      const acquire = { op: 'acquire', requestId: 'ask-1', incidentId: 'ghost-a', target: 't-1', policy: 'wait' } as const;
      await guard.signal(guardRequestSignal, acquire);
      await guard.signal(guardRequestSignal, { op: 'acquire', requestId: 'ask-2', incidentId: 'ghost-b', target: 't-1', policy: 'wait' });
      await guard.signal(guardRequestSignal, { op: 'release', requestId: 'rel-1', incidentId: 'ghost-a', target: 't-1', outcome: 'recovered' });
      // The first ask again, after the target changed hands: answered as it was, not taken again.
      await guard.signal(guardRequestSignal, acquire);
      const replies = await eventually('both answers to the first ask', async () => {
        const sent = (await signalsNamed(guard, 'out', 'guardReply')).filter((r) => r['requestId'] === 'ask-1');
        return sent.length === 2 ? sent : undefined;
      });
      assert.deepEqual(
        replies.map((r) => (r['result'] as { granted: boolean }).granted),
        [true, true],
        'the repeat is answered from the record',
      );
      assert.notEqual((await guard.query(guardStateQuery)).holders['t-1'], 'ghost-a', 'the repeat did not take the target again');

      // A restart asked twice counts once against the budget.
      await guard.executeUpdate(pinLimitsUpdate, { args: [{ limits, mode: 'if-unpinned', by: 'test', reason: 'pin for the test' }] });
      const restart = { op: 'restart', requestId: 'ask-3', incidentId: 'ghost-c', target: 't-2', limits: limitsHash(limits) } as const;
      await guard.signal(guardRequestSignal, restart);
      await guard.signal(guardRequestSignal, restart);
      const answered = await eventually('both answers to the restart', async () => {
        const sent = (await signalsNamed(guard, 'out', 'guardReply')).filter((r) => r['requestId'] === 'ask-3');
        return sent.length === 2 ? sent : undefined;
      });
      assert.deepEqual(answered.map((r) => (r['result'] as { used: number }).used), [1, 1], 'answered alike');
      assert.deepEqual((await guard.query(guardStateQuery)).restarts['t-2']?.length, 1, 'counted once');
      await guard.terminate('test finished');
    });
  });

  it('a guard workflow with more answers to send than Temporal lets one workflow have signals in flight (2,000) sends them all, in batches', async (t) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    // 2,500 requests wait for the guard's first workflow task (no worker yet): that one task has
    // 2,500 answers to send. Sent in one go, the server refuses the task for good and the guard
    // answers no one again (seen in the bench with 1,000 incidents opened at once).
    const REQUESTS = 2_500;
    const guard = await client.workflow.start('guardWorkflow', { workflowId: guardWorkflowId(name), taskQueue: name, args: [] });
    for (let i = 0; i < REQUESTS; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, REQUESTS - i) }, (_, k) =>
          guard.signal(guardRequestSignal, { op: 'acquire', requestId: `a-${i + k}`, incidentId: `ghost-${i + k}`, target: `t-${i + k}`, policy: 'wait' }),
        ),
      );
    }
    await withWorker(name, new FakeFleet().activities, async () => {
      // An answer to an incident that does not exist fails to arrive, but it was sent: count both,
      // over every run of the guard (it continues as new past 5,000 events).
      const answersSent = async () => {
        let n = 0;
        for (let runId: string | undefined = guard.firstExecutionRunId; runId !== undefined && runId !== ''; ) {
          const history: { events?: HistoryEvent[] | null } = await client.workflow.getHandle(guard.workflowId, runId).fetchHistory();
          const events = history.events ?? [];
          n += events.filter((e) => e.externalWorkflowExecutionSignaledEventAttributes != null || e.signalExternalWorkflowExecutionFailedEventAttributes != null).length;
          runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
        }
        return n;
      };
      const sent = await eventually('every answer sent', async () => {
        const n = await answersSent();
        return n >= REQUESTS ? n : undefined;
      }, 180_000);
      assert.equal(sent, REQUESTS, 'each request answered once');
      await guard.terminate('test finished');
    });
  });

  it('a waiter that ended while queued is released when its turn comes, on the record, and the target goes on to the next running waiter', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const route = testRoute({ target: 'db-9', playbook: 'diagnose-and-escalate', params: { ackTimeout: '10 minutes', humanHold: '10 minutes' } });
    await withWorker(name, fleet.activities, async () => {
      const { client } = await testTemporal();
      const guard = client.workflow.getHandle(guardWorkflowId(name));
      const queued = (n: number) => async () => ((await guard.query(guardStateQuery)).waiters['db-9']?.length === n ? true : undefined);
      const holder = await openIncident(name, testSignal(`${name}-a`), route);
      await eventually('the holder to escalate', async () => ((await holder.query(stateQuery)).awaitingAck ? true : undefined));
      const gone = await openIncident(name, testSignal(`${name}-b`), route);
      await eventually('the first waiter to queue', queued(1));
      const next = await openIncident(name, testSignal(`${name}-c`), route);
      await eventually('the second waiter to queue behind it', queued(2));
      // The last waiter has looked at the holder once: only its next look (a minute on) could notice.
      await eventually('the last waiter to have checked the holder once', async () => ((await completedActivities(next, 'guardReapTarget')) >= 1 ? true : undefined));
      await gone.terminate('operator terminated it by hand');
      await act(holder, abortUpdate, 'kim', 'handled by hand');
      // The default holder check is a minute: the hand-on must not wait for it.
      await eventually('the next running waiter to be granted the target and page', async () => ((await next.query(stateQuery)).awaitingAck ? true : undefined), 20_000);
      const state = await guard.query(guardStateQuery);
      assert.equal(state.holders['db-9'], next.workflowId, 'the target went to the running waiter');
      const released = state.released.find((r) => r.incidentId === gone.workflowId);
      assert.ok(released !== undefined && released.target === 'db-9', JSON.stringify(state.released));
      assert.match(released.why, /could not be told/);
      const notes = (await next.query(timelineQuery)).map((e) => e.message);
      assert.ok(notes.includes(`db-9 is free (${holder.workflowId} ended aborted; passed over ${gone.workflowId}, which had ended)`), notes.join('\n'));
      assert.equal(fleet.order.filter((a) => a === 'diagnose').length, 1, 'only the holder acted; the terminated waiter never did');
      await act(next, abortUpdate, 'kim', 'done');
      await saveHistoryFixture('diagnose-and-escalate-waiter-passed-over', next);
    });
  });
  it('an incident whose guards cannot be told it gave its target and its pool slot back still closes with its outcome, and says so', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const guards = { guards: GuardsSchema.parse({ pools: { api: { maxIsolated: 1 } } }), targets: { 'api-3': { pool: 'api' } } };
    // The guards answer asks, but every release is refused for good (as when the guard workflow
    // refuses signals): before, the failed local activity failed the whole incident workflow.
    const real = createGuardActivities(guards);
    const refusing = {
      ...fleet.activities,
      guardSend: async (request: Parameters<typeof real.guardSend>[0]) => {
        if (request.op === 'release') throw ApplicationFailure.nonRetryable('the guard workflow refused the signal', 'GuardRefused');
        return real.guardSend(request);
      },
      guardReleaseIsolation: async () => {
        throw ApplicationFailure.nonRetryable('the guard workflow refused the signal', 'GuardRefused');
      },
    } as unknown as MedicActivities;
    await withWorker(
      name,
      refusing,
      async () => {
        const incident = await openIncident(name, testSignal(name), testRoute({ target: 'api-3' }));
        const result = await incident.result();
        assert.equal(result.outcome, 'recovered');
        assert.deepEqual(fleet.order, ['isolate', 'diagnose', 'restart', 'verify', 'rejoin'], 'the rejoin ran once: telling the guards is not part of the step');
        const notes = result.timeline.map((e) => e.message);
        assert.ok(notes.some((m) => /^the guards could not be told that api-3 is back in rotation \(the guard workflow refused the signal\); they count it out of its pool until `medic rejoined api-3 --by NAME --reason TEXT` tells them$/.test(m)), notes.join('\n'));
        assert.ok(notes.some((m) => /^the guards could not be told that this incident gave api-3 back \(the guard workflow refused the signal\); an incident waiting for api-3 frees it when it sees this one has ended/.test(m)), notes.join('\n'));
        assert.equal(result.timeline.filter((e) => e.kind === 'outcome').length, 1);
      },
      { guards },
    );
  });
});
