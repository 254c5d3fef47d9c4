import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { GuardsSchema } from '../../src/config/guards-schema.js';
import { abortUpdate, alertSignal, approveUpdate, stateQuery, timelineQuery, type IncidentState } from '../../workflows/definitions.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { act, entriesOf, openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { closeTestTemporal, eventually, uniqueName, withWorker } from '../helpers/temporal.js';

// One named test per finding of the safety review (issue 11), each stating the behaviour it now has.

after(closeTestTemporal);

const waitFor = async (handle: Awaited<ReturnType<typeof openIncident>>, what: string, pred: (s: IncidentState) => boolean, timeoutMs?: number) =>
  eventually(
    what,
    async () => {
      const s = await handle.query(stateQuery);
      return pred(s) ? s : undefined;
    },
    timeoutMs,
  );

describe('safety findings', () => {
  it('an abort during an optional step is not swallowed: no phantom escalation after it', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet({ diagnose: ['hang'] });
    const route = testRoute({ playbook: 'diagnose-and-escalate', params: { ackTimeout: '10 minutes' } });
    const result = await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name), route);
      await waitFor(handle, 'diagnose to be running', (s) => s.runningStep?.startsWith('diagnose') === true);
      await act(handle, abortUpdate, 'kim', 'false alarm');
      return handle.result();
    });
    assert.equal(result.outcome, 'aborted');
    assert.deepEqual(fleet.order, ['diagnose'], 'nothing ran after the abort');
    assert.equal(fleet.calls[0]?.outcome, 'cancelled');
    assert.deepEqual(entriesOf(result, 'escalated'), [], 'no escalation after an abort');
    assert.ok(!result.timeline.some((e) => /failed, carrying on/.test(e.message)), 'the cancellation was not recorded as a failure to carry on from');
  });

  it('an incident that joined a holder that was then terminated escalates, with the holder outcome in its timeline', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const gated = testRoute({ target: 'web-7', params: { approveRestart: true, approvalTimeout: '10 minutes', ackTimeout: '10 minutes' } });
    const guards = { guards: GuardsSchema.parse({ holderCheck: '1 second' }), targets: {} };
    await withWorker(
      name,
      fleet.activities,
      async () => {
        const a = await openIncident(name, testSignal(`${name}-a`), gated);
        await waitFor(a, 'the approval gate', (s) => s.pendingApproval !== undefined);
        const b = await openIncident(name, testSignal(`${name}-b`, { alertname: 'HighLatency' }), gated);
        await eventually('b to join a', async () => ((await b.query(timelineQuery)).some((e) => e.message.startsWith(`joined ${a.workflowId}`)) ? true : undefined));
        await a.terminate('terminated by hand');
        const state = await waitFor(b, 'b to page a human', (s) => s.awaitingAck, 30_000);
        assert.equal(state.status, 'awaiting-human', 'it did not end silently as resolved');
        const notes = (await b.query(timelineQuery)).map((e) => e.message);
        assert.ok(notes.some((m) => m.startsWith(`${a.workflowId} ended terminated on web-7, which this incident joined`)), notes.join('\n'));
        assert.deepEqual(fleet.calls.filter((c) => c.activity !== 'escalate').map((c) => c.activity), ['isolate', 'diagnose'], 'b acted on nothing');
        assert.ok(fleet.isolated.has('web-7'), 'the target a left isolated stays out until a human decides');
        await act(b, abortUpdate, 'lee', 'taking over');
      },
      { guards },
    );
  });

  it('a flood of 20,000 repeats on one fingerprint leaves the incident queryable, accepting signals and resolutions, counting each once across runs, and closing normally', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const route = testRoute({ params: { approveRestart: true, approvalTimeout: '1 hour' } });
    // Twice the server's 10,000-signal cap on one run; 50,000 took over 4 minutes on a loaded CI machine.
    const FLOOD = 20_000;
    // A sustained flood from several senders at once. A run continues as new after 500 signals,
    // but it cannot close while signals arrive faster than one workflow task: then the server caps
    // it at 10,000 and refuses more for a moment, the run closes, and a sender that retries (as
    // Alertmanager and the intake's 503 make it) lands in the new run. Nothing is lost.
    const SENDERS = 4;
    let refusedForAMoment = 0;
    const result = await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name, { id: `${name}-0` }), route);
      await waitFor(handle, 'the approval gate', (s) => s.pendingApproval !== undefined);
      const firstRun = (await handle.describe()).runId;
      // Signals straight to the workflow id, as the intake's signalWithStart does for an open incident.
      // The senders keep at most BACKLOG signals ahead of what the incident has taken, as the
      // intake's deadline makes a real sender do: a worker that falls far behind gets one huge
      // workflow task, and the SDK's 5 s limit on one task's code would fail it.
      const BACKLOG = 1_500;
      let next = 1;
      let taken = 1;
      let sent = 0;
      const sender = async () => {
        while (next <= FLOOD) {
          while (next - taken > BACKLOG) {
            // A run whose close was refused by new signals is unqueryable for a moment: ask again.
            taken = await handle.query(stateQuery).then((st) => st.signals, () => taken);
            if (next - taken > BACKLOG) await new Promise((r) => setTimeout(r, 100));
          }
          // Another sender may have sent the last one while this one waited (seen in CI: ids up to
          // 20,003 were sent, and the count was rightly 20,004, not the 20,001 this test expected).
          if (next > FLOOD) break;
          const i = next++;
          for (let tries = 0; ; tries++) {
            try {
              await handle.signal(alertSignal, testSignal(name, { id: `${name}-${i}` }));
              sent += 1;
              break;
            } catch (err) {
              if (tries >= 60 || !/limit for signal events/.test(String((err as Error).cause ?? err))) throw err;
              refusedForAMoment += 1;
              await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** tries)));
            }
          }
        }
      };
      const started = Date.now();
      await Promise.all(Array.from({ length: SENDERS }, sender));
      assert.equal(sent, FLOOD, 'the senders sent each signal once');
      console.log(`flood: ${FLOOD} signals sent in ${((Date.now() - started) / 1000).toFixed(1)} s; ${refusedForAMoment} refused for a moment and resent`);
      // Bounded, and generous: on a 2-core machine running another test file beside this one, the
      // last backlog (up to BACKLOG signals, and a continue-as-new every 500) took over 2 minutes.
      // If it does not come, the error says how far the count got: slow, or a signal lost.
      const state = await waitFor(handle, 'every signal counted', (s) => s.signals === FLOOD + 1, 240_000).catch(async (err: unknown) => {
        const seen = await handle.query(stateQuery).then((st) => st.signals, () => 'unknown');
        throw new Error(`${(err as Error).message}: ${seen} of ${FLOOD + 1} counted`);
      });
      assert.equal(state.repeats.firing, FLOOD + 1);
      // Temporal drops a retried signal only within one run: a retry whose first attempt had landed
      // reaches the next run as well. Redeliver 500 ids from the last 5,000, taken several runs
      // back, then one new signal that shows they were all read.
      for (let i = FLOOD - 4_990; i <= FLOOD; i += 10) await handle.signal(alertSignal, testSignal(name, { id: `${name}-${i}` }));
      await handle.signal(alertSignal, testSignal(name, { id: `${name}-after-redeliveries` }));
      const afterRedeliveries = await waitFor(handle, 'the signal after the redeliveries', (s) => s.signals >= FLOOD + 2, 120_000);
      assert.equal(afterRedeliveries.signals, FLOOD + 2, 'no redelivered signal counted again');
      assert.equal(state.pendingApproval, 'restart checkout-api-1?', 'the approval gate survived continue-as-new');
      assert.notEqual((await handle.describe()).runId, firstRun, 'the incident continued as new');
      const timeline = await handle.query(timelineQuery);
      assert.ok(JSON.stringify(timeline).length < 500_000, 'the timeline query stays far below the payload limit');
      await handle.signal(alertSignal, testSignal(name, { id: `${name}-resolved`, status: 'resolved' }));
      await waitFor(handle, 'the resolution counted', (s) => s.repeats.resolved === 1);
      await act(handle, approveUpdate, 'mo', 'go ahead');
      return handle.result();
    });
    assert.equal(result.outcome, 'recovered');
    assert.equal(result.signals, FLOOD + 3);
    assert.deepEqual(fleet.order, ['isolate', 'diagnose', 'restart', 'verify', 'rejoin'], 'each step ran once across all the runs');
    assert.equal(fleet.isolated.size, 0);
    assert.equal(result.timeline.filter((e) => e.kind === 'outcome').length, 1);
  });
});
