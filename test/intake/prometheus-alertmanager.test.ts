import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Signal } from '../../src/signals/signal-schema.js';
import { incidentWorkflowId, stateQuery, timelineQuery, type IncidentResult, signalsQuery } from '../../workflows/definitions.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { startTestIntake, type RunningIntake } from '../helpers/intake.js';
import { Detection, FlakyTarget } from '../helpers/prometheus.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';

// End to end with the real detection stack: a scraped target goes bad, Prometheus fires a rule,
// Alertmanager posts to the intake, an incident opens; the target recovers, the resolved
// notification reaches the incident. Intervals are one second; every wait is bounded.

const TOKEN = 'e2e-intake-token';
const cleanups: (() => Promise<void>)[] = [];

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await closeTestTemporal();
});

describe('Prometheus and Alertmanager to an incident', () => {
  it('opens an incident when a scraped target goes bad, keeps repeats in it, and resolves it when the target recovers', async (t) => {
    const name = uniqueName(t.name);
    const service = `e2e-checkout-${name.slice(-8)}`;
    const alertname = 'MedicE2ETargetDown';
    const { client } = await testTemporal();
    const seen: Signal[] = [];

    const target = await new FlakyTarget().start();
    cleanups.push(() => target.stop());
    const intake: RunningIntake = await startTestIntake({
      client,
      taskQueue: name,
      secrets: { token: TOKEN },
      configYaml: `
routes:
  - name: checkout down
    match: { alertname: ${alertname} }
    matchRegex: { service: "e2e-checkout-.*" }
    playbook: diagnose-and-escalate
    targetFromLabel: instance
    params: { ackTimeout: 10 minutes }
defaultRoute:
  playbook: http-service-outage
  target: not-this-one
  dryRun: true
`,
      // Watch what Temporal recorded through the intake, to learn the fingerprint Alertmanager chose.
      wrap: (real) => ({
        firing: async (signal, route) => {
          const delivery = await real.firing(signal, route);
          seen.push(signal);
          return delivery;
        },
        resolved: async (signal) => {
          const delivery = await real.resolved(signal);
          seen.push(signal);
          return delivery;
        },
      }),
    });
    cleanups.push(() => intake.close());
    const detection = new Detection({ target, service, alertname, webhookUrl: `${intake.url}/v1/signals/alertmanager`, token: TOKEN });
    cleanups.push(() => detection.stop());
    await detection.start();

    await withWorker(name, new FakeFleet().activities, async () => {
      // Healthy first: Prometheus scrapes the target, nothing fires.
      await eventually('Prometheus to scrape the healthy target', async () => (target.scrapes >= 2 ? true : undefined), 15_000);
      assert.equal(seen.length, 0, 'a healthy target raises no alert');

      target.healthy = false;
      const firing = await eventually(
        `Alertmanager to post the firing alert to the intake\n${detection.logs()}`,
        async () => seen.find((s) => s.status === 'firing'),
        30_000,
      );
      assert.equal(firing.source, 'alertmanager');
      assert.equal(firing.alertname, alertname);
      assert.equal(firing.service, service);
      assert.equal(firing.severity, 'critical');
      assert.equal(firing.labels['instance'], target.address);
      assert.equal(firing.summary, `${target.address} of ${service} is down`);

      const handle = client.workflow.getHandle(incidentWorkflowId(firing.fingerprint));
      const state = await handle.query(stateQuery);
      assert.equal(state.playbook, 'diagnose-and-escalate', 'the first matching route wins over the default');
      assert.equal(state.target, target.address);
      const described = await eventually('the incident search attributes', async () => {
        const d = await handle.describe();
        return d.typedSearchAttributes.getAll().length >= 5 ? d : undefined;
      });
      const attrs = Object.fromEntries(described.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value]));
      assert.equal(attrs['MedicService'], service);
      assert.equal(attrs['MedicPlaybook'], 'diagnose-and-escalate');
      assert.equal(attrs['MedicAlert'], alertname);
      const runId = described.runId;

      // repeat_interval is 2s: repeats arrive and land in the same incident, counted.
      const ids = await eventually(
        `repeat notifications in the incident\n${detection.logs()}`,
        async () => {
          const seen = (await handle.query(signalsQuery)).ids;
          return seen.length >= 3 ? seen : undefined;
        },
        30_000,
      );
      assert.equal(new Set(ids).size, ids.length, 'each repeat is recorded once');
      assert.equal((await handle.describe()).runId, runId, 'repeats joined the open incident, none opened another');
      assert.equal(await intake.metrics.value('medic_intake_incidents_total', { result: 'opened' }), 1);
      assert.ok((await intake.metrics.value('medic_intake_incidents_total', { result: 'deduplicated' })) >= 2);

      target.healthy = true;
      const resolved = await eventually(
        `Alertmanager to post the resolved alert\n${detection.logs()}`,
        async () => seen.find((s) => s.status === 'resolved'),
        30_000,
      );
      assert.equal(resolved.fingerprint, firing.fingerprint);
      const result = await eventually('the incident to end', async () => {
        const d = await handle.describe();
        return d.status.name === 'COMPLETED' ? ((await handle.result()) as IncidentResult) : undefined;
      }, 20_000);
      assert.equal(result.outcome, 'resolved');
      assert.equal(result.timeline.find((e) => e.kind === 'resolved')?.actor, 'alertmanager');
      assert.equal(await intake.metrics.value('medic_intake_signals_total', { source: 'alertmanager', status: 'resolved', outcome: 'resolved' }), 1);
    });
  });
});
