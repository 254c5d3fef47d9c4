import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { incidentWorkflowId, timelineQuery } from '../../workflows/definitions.js';
import { Alertmanager, type PushedAlert } from '../helpers/alertmanager.js';
import { reportChaos } from '../helpers/chaos-summary.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
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
  it('the intake killed while Alertmanager keeps sending: its retries deliver every alert once the intake is back', async (t) => {
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
    /** The alertmanager signals in an incident's timeline, once there is at least one. */
    const recorded = (incidentId: string) =>
      eventually(`${incidentId} to record its alert\n${am.logs().slice(-3000)}`, async () => {
        const timeline = await client.workflow.getHandle(incidentId).query(timelineQuery);
        const signals = timeline.filter((e) => e.kind === 'signal' && e.actor === 'alertmanager');
        return signals.length > 0 ? signals : undefined;
      }, 60_000);

    await withWorker(name, new FakeFleet().activities, async () => {
      let intake = await startIntake();
      const first = Array.from({ length: PER_BATCH }, (_, i) => alert(i));
      await am.push(first);
      const firstIds = await incidentsFor(first.map((a) => a.labels['instance'] ?? ''));
      await mapBounded(firstIds, 5, recorded);

      // The crash: no graceful close. Alertmanager gets new alerts while nobody listens.
      await killHard(intake);
      const failedBefore = await am.failedNotifications();
      const second = Array.from({ length: PER_BATCH }, (_, i) => alert(PER_BATCH + i));
      await am.push(second);
      await eventually('Alertmanager to fail delivering to the dead intake', async () => ((await am.failedNotifications()) > failedBefore ? true : undefined), 30_000);
      const failedWhileDown = (await am.failedNotifications()) - failedBefore;

      intake = await startIntake();
      const secondIds = await incidentsFor(second.map((a) => a.labels['instance'] ?? ''));
      const signals = await mapBounded([...firstIds, ...secondIds], 5, recorded);
      t.diagnostic(`${failedWhileDown} notifications failed while the intake was down; all ${signals.length} alerts delivered after it came back`);

      // Each alert in its own incident, recorded once; exactly one incident per alert.
      for (const s of signals) assert.equal(new Set(s.map((e) => e.data?.['signalId'])).size, s.length, 'no alert recorded twice');
      assert.equal(new Set([...firstIds, ...secondIds]).size, 2 * PER_BATCH);
      // Visibility lags the incidents a little: wait until it lists them all, then check for extras.
      const count = await eventually('visibility to list the incidents', async () => {
        const { count: n } = await client.workflow.count(`TaskQueue = "${name}" AND WorkflowType = "incidentWorkflow"`);
        return n >= 2 * PER_BATCH ? n : undefined;
      }, 30_000);
      assert.equal(count, 2 * PER_BATCH, 'one incident per alert, none opened twice');
      reportChaos({
        test: 'intake SIGKILLed, Alertmanager retries',
        faultsInjected: 1,
        faultsSurvived: 1,
        incidentsExpected: 2 * PER_BATCH,
        incidentsCompleted: count,
        alertsAccepted: 2 * PER_BATCH,
        alertsRecorded: signals.length,
      });
      await mapBounded([...firstIds, ...secondIds], 5, (id) => client.workflow.getHandle(id).terminate('intake restart test finished'));
    });
  });
});
