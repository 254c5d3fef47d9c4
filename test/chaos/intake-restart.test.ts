import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { abortUpdate, incidentWorkflowId, timelineQuery, type TimelineEntry, signalsQuery } from '../../workflows/definitions.js';
import { Alertmanager, type PushedAlert } from '../helpers/alertmanager.js';
import { reported } from '../helpers/chaos-summary.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { act } from '../helpers/incidents.js';
import { metricSum } from '../helpers/intake.js';
import { mapBounded } from '../helpers/load.js';
import { freePort, startMedic, type LongRunning } from '../helpers/processes.js';
import { killHard } from '../helpers/recording-worker.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';

// `medic intake` crashes (SIGKILL) while a real Alertmanager has notifications to send. Alertmanager
// finds nobody listening, records failed notifications and keeps retrying; the intake comes back
// on the same port and every alert reaches its incident. Nothing is lost, nothing opens twice.

const TOKEN = 'intake-restart-token';
const PER_BATCH = 5;
const dir = mkdtempSync(join(tmpdir(), 'medic-intake-restart-'));
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await closeTestTemporal();
  rmSync(dir, { recursive: true, force: true });
});

describe('intake restart', () => {
  it('the intake killed while Alertmanager keeps sending: its retries deliver every alert once the intake is back', (t) => reported(t, 'intake SIGKILLed, Alertmanager retries', async (report) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    const port = await freePort();
    const config = join(dir, 'medic.yaml');
    writeFileSync(config, `defaultRoute:\n  playbook: diagnose-and-escalate\n  targetFromLabel: instance\n  params: { ackTimeout: 1 hour }\n`);
    const env = {
      TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '',
      MEDIC_CONFIG: config,
      MEDIC_INTAKE_TOKEN: TOKEN,
      MEDIC_INTAKE_HMAC_SECRET: '',
      MEDIC_TASK_QUEUE: name,
      MEDIC_LOG_LEVEL: 'info',
    };
    const startIntake = async (): Promise<LongRunning> => {
      const intake = startMedic(['intake', '--host', '127.0.0.1', '--port', String(port)], env);
      cleanups.push(() => intake.stop(5_000));
      await intake.waitFor(/intake ready/, 60_000);
      return intake;
    };
    /** Firing alerts this intake process answered 2xx for, from its own metrics. */
    const acceptedBy = async () =>
      metricSum(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), 'medic_intake_signals_total', { source: 'alertmanager', status: 'firing' });

    const am = await new Alertmanager({ webhookUrl: `http://127.0.0.1:${port}/v1/signals/alertmanager`, token: TOKEN }).start();
    cleanups.push(() => am.stop());
    const alert = (i: number): PushedAlert => ({
      labels: { alertname: 'IntakeRestart', service: name, instance: `backend-${i}`, severity: 'critical' },
      annotations: { summary: `backend-${i} is down` },
    });
    const incidentsFor = async (instances: string[]) => {
      const fps = await am.fingerprints('instance');
      return instances.map((i) => {
        const fp = fps.get(i);
        assert.ok(fp, `Alertmanager knows alert ${i}`);
        return incidentWorkflowId(fp);
      });
    };
    /** The ids of the signals an incident recorded as it is now (repeats are counted, not listed in the timeline). */
    const signalsOf = async (incidentId: string): Promise<string[]> => (await client.workflow.getHandle(incidentId).query(signalsQuery)).ids;
    /** Waits until an incident records its alert (the first signal), then returns its signals. */
    const recorded = (incidentId: string) =>
      eventually(`${incidentId} to record its alert\n${am.logs().slice(-3000)}`, async () => {
        const signals = await signalsOf(incidentId);
        return signals.length > 0 ? signals : undefined;
      }, 60_000);

    await withWorker(name, new FakeFleet().activities, async () => {
      let intake = await startIntake();
      const first = Array.from({ length: PER_BATCH }, (_, i) => alert(i));
      await am.push(first);
      const firstIds = await incidentsFor(first.map((a) => a.labels['instance'] ?? ''));
      await mapBounded(firstIds, 5, recorded);

      // The crash: no graceful close. Alertmanager gets new alerts while nobody listens.
      const acceptedBeforeCrash = await acceptedBy();
      await killHard(intake);
      assert.equal(intake.child.signalCode, 'SIGKILL', 'the intake died of the SIGKILL');
      const crash = report.injected(`intake process ${intake.child.pid ?? '?'} killed by SIGKILL`);
      const failedBefore = await am.failedNotifications();
      const second = Array.from({ length: PER_BATCH }, (_, i) => alert(PER_BATCH + i));
      await am.push(second);
      await eventually('Alertmanager to fail delivering to the dead intake', async () => ((await am.failedNotifications()) > failedBefore ? true : undefined), 30_000);
      const failedWhileDown = (await am.failedNotifications()) - failedBefore;

      intake = await startIntake();
      const secondIds = await incidentsFor(second.map((a) => a.labels['instance'] ?? ''));
      const allIds = [...firstIds, ...secondIds];
      report.expectIncidents(allIds.length);
      await mapBounded(allIds, 5, recorded);
      // Read the timelines once Alertmanager has nothing more to send (a late retry would show as a
      // second entry): the same count twice, a few group intervals apart.
      const countAll = async () => (await mapBounded(allIds, 5, signalsOf)).reduce((n, s) => n + s.length, 0);
      let settled = await countAll();
      await eventually('Alertmanager to stop delivering', async () => {
        await new Promise((r) => setTimeout(r, 5_000));
        const now = await countAll();
        const same = now === settled;
        settled = now;
        return same ? true : undefined;
      }, 60_000);
      const signals = await mapBounded(allIds, 5, signalsOf);
      report.accepted(acceptedBeforeCrash + (await acceptedBy()));
      report.recorded(signals.reduce((n, s) => n + s.length, 0));
      const recordedOnce = signals.every((s) => s.length === 1);
      t.diagnostic(`${failedWhileDown} notifications failed while the intake was down; ${signals.filter((s) => s.length > 0).length} of ${allIds.length} alerts delivered after it came back`);

      // Each alert in its own incident, recorded once; exactly one incident per alert.
      for (const [i, s] of signals.entries()) assert.equal(s.length, 1, `${allIds[i] ?? ''} recorded its alert once: ${s.join(', ')}`);
      assert.equal(new Set(allIds).size, 2 * PER_BATCH);
      // Visibility lags the incidents a little: wait until it lists them all, then check for extras.
      const count = await eventually('visibility to list the incidents', async () => {
        const { count: n } = await client.workflow.count(`TaskQueue = "${name}" AND WorkflowType = "incidentWorkflow"`);
        return n >= 2 * PER_BATCH ? n : undefined;
      }, 30_000);
      assert.equal(count, 2 * PER_BATCH, 'one incident per alert, none opened twice');

      // A human closes each incident (they wait for an ack); completed is what the server says.
      await mapBounded(allIds, 5, (id) => act(client.workflow.getHandle(id), abortUpdate, 'test', 'intake restart test finished'));
      const closed = await mapBounded(allIds, 5, (id) => report.completion(client.workflow.getHandle(id), 60_000));
      report.survived(crash, recordedOnce && count === allIds.length && closed.every((c) => c.status === 'COMPLETED'));
      assert.deepEqual(closed.map((c) => c.status), allIds.map(() => 'COMPLETED'), 'every incident completed once aborted');
    });
  }));
});
