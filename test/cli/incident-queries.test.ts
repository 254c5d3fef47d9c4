import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { auditRecord } from '../../src/incidents/audit-record.js';
import { medicDataConverter } from '../../src/temporal/data-converter.js';
import { MedicService } from '../../workflows/search-attributes.js';
import { listIncidents } from '../../src/incidents/list-incidents.js';
import { recoveryReport } from '../../src/reports/recovery-report.js';
import { abortUpdate, stateQuery } from '../../workflows/definitions.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { act, openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { runMedic } from '../helpers/processes.js';
import { closeTestTemporal, eventually, NAMESPACE, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';

after(closeTestTemporal);

describe('incidents, audit and report', () => {
  it('lists, audits and reports incidents from Temporal visibility and histories', async (t) => {
    const name = uniqueName(t.name);
    const service = `svc-${name}`;
    const playbookFilter = { service };
    const fleet = new FakeFleet({ verify: ['unhealthy', 'healthy', 'healthy'] });
    const { client } = await testTemporal();
    const startsAt = new Date(Date.now() - 60_000).toISOString();

    const [rolledBack, recovered, aborted] = await withWorker(name, fleet.activities, async () => {
      const a = await openIncident(name, testSignal(`${name}-a`, { service, startsAt }));
      await a.result();
      const b = await openIncident(name, testSignal(`${name}-b`, { service, startsAt }));
      await b.result();
      const c = await openIncident(name, testSignal(`${name}-c`, { service }), testRoute({ playbook: 'diagnose-and-escalate', params: { ackTimeout: '10 minutes' } }));
      await eventually('the escalation', async () => ((await c.query(stateQuery)).awaitingAck ? true : undefined));
      await act(c, abortUpdate, 'gina', 'false alarm: duplicate of INC-42');
      await c.result();
      return [a, b, c];
    });

    const rows = await eventually('three incidents in visibility', async () => {
      const r = await listIncidents(client, playbookFilter);
      return r.length === 3 && r.every((x) => x.workflowStatus === 'COMPLETED') ? r : undefined;
    });
    assert.deepEqual(rows.map((r) => r.status).sort(), ['aborted', 'recovered', 'recovered']);
    const onlyAborted = await listIncidents(client, { ...playbookFilter, status: 'aborted' });
    assert.deepEqual(onlyAborted.map((r) => r.incidentId), [aborted.workflowId]);

    const audit = await auditRecord(client, aborted.workflowId);
    assert.equal(audit.outcome, 'aborted');
    const action = audit.events.find((e) => e.what === 'human action abort accepted');
    assert.deepEqual(action?.details, { by: 'gina', reason: 'false alarm: duplicate of INC-42' }, 'who and why are in the history');
    assert.ok(audit.events.some((e) => /^scheduled escalate: escalate \(attempt 1 of 3\)$/.test(e.what)));
    assert.ok(audit.timeline?.some((e) => e.kind === 'outcome'));

    const report = await recoveryReport(client, { since: new Date(Date.now() - 3_600_000), service });
    const outage = report.playbooks.find((p) => p.playbook === 'http-service-outage');
    assert.equal(outage?.incidents, 2);
    assert.equal(outage?.recoverySuccessRate, 1);
    assert.equal(outage?.escalationRate, 0);
    assert.equal(outage?.mttrSeconds?.count, 2);
    assert.ok((outage?.mttrSeconds?.p50 ?? 0) >= 60, 'MTTR counts from the alert start, a minute ago');
    const verify = outage?.steps.find((s) => s.activity === 'verify');
    assert.deepEqual([verify?.attempts, verify?.failures], [3, 0], 'an unhealthy verdict is a successful verify step');
    const escalate = report.playbooks.find((p) => p.playbook === 'diagnose-and-escalate');
    assert.equal(escalate?.escalationRate, 1);
    assert.deepEqual(escalate?.outcomes, { aborted: 1 });
    // Per service: the abort "false alarm" is not a failure; the two recoveries are.
    assert.deepEqual(report.falseAlarms, { count: 1, share: 0.333 });
    const svc = report.services.find((x) => x.service === service);
    assert.deepEqual([svc?.incidents, svc?.falseAlarms, svc?.failures], [3, 1, 2]);
    assert.ok((svc?.mttrSeconds ?? 0) >= 60, 'restored a minute or more after the alert started');
    assert.ok((svc?.mtbfSeconds ?? 0) > 1_000, 'the hour of the report, less the down time, over two failures');
    assert.ok((svc?.availability ?? 1) < 1 && (svc?.availability ?? 0) > 0.9);
    assert.ok([rolledBack, recovered].every((h) => rows.some((r) => r.incidentId === h.workflowId)));
  });

  it('medic incidents lists an incident whose payloads are encrypted with a key it does not have', async (t) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    // An encrypted incident (its input and memo), started with no worker: only its search attributes are plain.
    const encrypting = new Client({ connection: client.connection, namespace: NAMESPACE, dataConverter: medicDataConverter({ MEDIC_ENCRYPTION_KEY: randomBytes(32).toString('base64'), MEDIC_ENCRYPTION_KEY_FILE: undefined }) ?? {} });
    const handle = await encrypting.workflow.start('incidentWorkflow', {
      workflowId: `incident-${name}`,
      taskQueue: `${name}-no-worker`,
      args: [{ secret: 'x' }],
      memo: { medicUndo: { secret: 'x' } },
      typedSearchAttributes: [{ key: MedicService, value: `svc-${name}` }],
    });
    try {
      const env = { TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '' };
      const list = await eventually('the encrypted incident in the list', async () => {
        const r = await runMedic(['incidents', '--service', `svc-${name}`, '--json'], env);
        return r.code === 0 && r.stdout.includes(handle.workflowId) ? r : undefined;
      });
      assert.equal((JSON.parse(list.stdout) as { service: string }[])[0]?.service, `svc-${name}`);
    } finally {
      await handle.terminate('test finished');
    }
  });

  it('medic incidents, audit and report answer as a user reads them, with meaningful exit codes', async (t) => {
    const name = uniqueName(t.name);
    const env = { TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '' };
    const fleet = new FakeFleet();
    const handle = await withWorker(name, fleet.activities, async () => {
      const h = await openIncident(name, testSignal(name, { service: `svc-${name}` }));
      await h.result();
      return h;
    });
    const list = await eventually('the incident in the list', async () => {
      const r = await runMedic(['incidents', '--service', `svc-${name}`], env);
      return r.stdout.includes(handle.workflowId) ? r : undefined;
    });
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^INCIDENT\s+STATUS\s+SERVICE\s+ALERT/m);
    assert.match(list.stdout, /recovered\s+svc-/);

    const audit = await runMedic(['audit', handle.workflowId, '--json'], env);
    assert.equal(audit.code, 0, audit.stderr);
    const record = JSON.parse(audit.stdout) as { outcome: string; events: Array<{ type: string }> };
    assert.equal(record.outcome, 'recovered');
    assert.ok(record.events.filter((e) => e.type === 'ACTIVITY_TASK_COMPLETED').length >= 5);

    const report = await runMedic(['report', '--since', '1h', '--json'], env);
    assert.equal(report.code, 0, report.stderr);
    assert.ok((JSON.parse(report.stdout) as { playbooks: unknown[] }).playbooks.length >= 1);
    const text = await runMedic(['report', '--since', '1h'], env);
    assert.match(text.stdout, /^false alarms: \d+ \([\d.]+% of closed incidents\)$/m);
    assert.match(text.stdout, new RegExp(`^ +svc-${name}\\s+1\\s+0\\s+1\\s+\\S+\\s+\\S+\\s+\\d+\\.\\d{3}%$`, 'm'), 'a row per service: incidents, false alarms, failures, MTBF, MTTR, availability');

    const missing = await runMedic(['audit', 'incident-does-not-exist'], env);
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /^medic: no such incident: incident-does-not-exist$/m);
    const badFilter = await runMedic(['incidents', '--status', 'sleeping'], env);
    assert.equal(badFilter.code, 2);
    assert.match(badFilter.stderr, /--status must be one of open, recovering/);
    const badSince = await runMedic(['report', '--since', 'yesterday-ish'], env);
    assert.equal(badSince.code, 2);
  });
});
