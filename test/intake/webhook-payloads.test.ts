import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAlertmanagerPayload } from '../../src/intake/alertmanager-payload.js';
import { parseGenericSignal } from '../../src/intake/generic-payload.js';
import { parseGrafanaPayload } from '../../src/intake/grafana-payload.js';
import { IntakeError } from '../../src/intake/intake-error.js';
import { NotificationLedger } from '../../src/intake/notification-ledger.js';
import { SignalSchema } from '../../src/signals/signal-schema.js';

const RECEIVED = '2026-01-02T03:04:05.000Z';
const ctx = { receivedAt: RECEIVED, notificationNumber: () => 1 };

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/intake/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

/** An Alertmanager group with one alert whose labels are these. */
function amWith(labels: Record<string, string>, annotations: Record<string, string> = {}) {
  return {
    version: '4',
    groupKey: '{}:{alertname="Odd"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'medic',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: [{ status: 'firing', labels, annotations, startsAt: '2026-01-02T03:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'abcdef0123456789' }],
  };
}

function rejection(fn: () => unknown): IntakeError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof IntakeError, `expected an IntakeError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the payload to be refused');
}

describe('Alertmanager webhook payloads', () => {
  it('normalises every alert of a documented version-4 group to its own Signal', () => {
    const { alerts, truncatedAlerts } = parseAlertmanagerPayload(fixture('alertmanager-group.json'), ctx);
    for (const { signal } of alerts) assert.deepEqual(SignalSchema.parse(signal), signal, 'a valid Signal, built without a second parse');
    assert.equal(truncatedAlerts, 0);
    assert.deepEqual(
      alerts.map(({ signal: s }) => [s.fingerprint, s.status, s.alertname, s.service, s.severity]),
      [
        ['1a30ba71cca2921f', 'firing', 'ProbeFailure', 'http_checks', 'critical'],
        ['7c2e06ae88b1f2d4', 'firing', 'ProbeFailure', 'api', 'critical'],
        ['d0f5a1c3e2b49a87', 'resolved', 'ProbeFailure', 'http_checks', 'critical'],
      ],
    );
    const first = alerts[0]?.signal;
    assert.equal(first?.source, 'alertmanager');
    assert.equal(first?.summary, 'BlackBox Probe Failure: https://server.example.org');
    assert.equal(first?.labels['instance'], 'https://server.example.org');
    assert.equal(first?.annotations['description'], 'Instance https://server.example.org has been down for over 5m. Job: http_checks');
    assert.equal(first?.startsAt, '2023-02-06T13:08:45.828Z');
    assert.equal(first?.receivedAt, RECEIVED);
    assert.equal(first?.id, 'alertmanager:1a30ba71cca2921f:firing:2023-02-06T13:08:45.828Z#1');
    assert.equal(alerts[2]?.signal.id, 'alertmanager:d0f5a1c3e2b49a87:resolved:2023-02-06T12:58:45.828Z:2023-02-06T13:07:45.828Z#1');
  });

  it('derives a stable fingerprint from the labels when an older Alertmanager sends none', () => {
    const a = parseAlertmanagerPayload(fixture('alertmanager-no-fingerprint.json'), ctx).alerts[0]?.signal;
    const b = parseAlertmanagerPayload(fixture('alertmanager-no-fingerprint.json'), ctx).alerts[0]?.signal;
    assert.match(a?.fingerprint ?? '', /^[0-9a-f]{16}$/);
    assert.equal(a?.fingerprint, b?.fingerprint);
    assert.equal(a?.startsAt, '2018-08-03T09:52:26.739266876+02:00', 'nanosecond times with an offset are kept as sent');
    assert.equal(a?.summary, 'some description', 'description stands in for a missing summary');
  });

  const odd: { name: string; labels: Record<string, string>; check: (s: ReturnType<typeof parseAlertmanagerPayload>['alerts'][number]['signal']) => void }[] = [
    {
      name: 'unicode names and values',
      labels: { alertname: 'Dépassement 🔥', service: 'paiement-€', région: '東京' },
      check: (s) => {
        assert.equal(s.alertname, 'Dépassement 🔥');
        assert.equal(s.service, 'paiement-€');
        assert.equal(s.labels['région'], '東京');
      },
    },
    {
      name: 'empty values (an empty service falls through to the job)',
      labels: { alertname: 'Empty', service: '', job: 'node', team: '' },
      check: (s) => {
        assert.equal(s.service, 'node');
        assert.equal(s.labels['team'], '', 'an empty label is kept, not dropped');
      },
    },
    {
      name: 'no alertname and no service label at all',
      labels: { team: 'blue' },
      check: (s) => {
        assert.equal(s.alertname, 'unnamed-alert');
        assert.equal(s.service, 'unknown');
        assert.equal(s.severity, 'warning');
      },
    },
    {
      name: 'very long values (cut to fit, never refused)',
      labels: { alertname: 'A'.repeat(5000), service: 'svc', note: 'x'.repeat(100_000) },
      check: (s) => {
        assert.equal(s.alertname.length, 300);
        assert.ok(s.alertname.endsWith('…'));
        assert.equal(s.labels['note']?.length, 16 * 1024);
      },
    },
    {
      name: 'quotes, newlines and braces',
      labels: { alertname: 'Quote"d\nline', service: '{svc="x"}' },
      check: (s) => {
        assert.equal(s.alertname, 'Quote"d\nline');
        assert.equal(s.service, '{svc="x"}');
      },
    },
  ];
  for (const c of odd) {
    it(`accepts odd label values: ${c.name}`, () => {
      const signal = parseAlertmanagerPayload(amWith(c.labels), ctx).alerts[0]?.signal;
      assert.ok(signal);
      c.check(signal);
      assert.deepEqual(SignalSchema.parse(signal), signal, 'built without a second parse, and still a valid Signal');
    });
  }

  const bad: { name: string; mutate: (p: ReturnType<typeof amWith>) => unknown; field: string; says: RegExp }[] = [
    { name: 'another webhook version', mutate: (p) => ({ ...p, version: '3' }), field: 'version', says: /version "4"/ },
    { name: 'an alert status Alertmanager never sends', mutate: (p) => ({ ...p, alerts: [p.alerts[0], { ...p.alerts[0], status: 'pending' }] }), field: 'alerts.1.status', says: /firing|resolved/ },
    { name: 'a start time that is not RFC 3339', mutate: (p) => ({ ...p, alerts: [{ ...p.alerts[0], startsAt: 'yesterday' }] }), field: 'alerts.0.startsAt', says: /RFC 3339/ },
    { name: 'a label value that is not a string', mutate: (p) => ({ ...p, alerts: [{ ...p.alerts[0], labels: { alertname: 'X', replicas: 3 } }] }), field: 'alerts.0.labels.replicas', says: /string/ },
    { name: 'a fingerprint outside the safe alphabet', mutate: (p) => ({ ...p, alerts: [{ ...p.alerts[0], fingerprint: '../etc' }] }), field: 'alerts.0.fingerprint', says: /fingerprint must be/ },
    { name: 'an empty group', mutate: (p) => ({ ...p, alerts: [] }), field: 'alerts', says: /at least one alert/ },
    { name: 'a body that is a list', mutate: (p) => [p], field: '(body)', says: /object/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name} with a 400 naming ${c.field}`, () => {
      const err = rejection(() => parseAlertmanagerPayload(c.mutate(amWith({ alertname: 'X' })), ctx));
      assert.equal(err.statusCode, 400);
      assert.equal(err.reason, 'invalid-payload');
      assert.equal(err.toBody()['field'], c.field);
      assert.match(err.message, c.says);
      assert.match(err.message, new RegExp(c.field.replace(/[.()]/g, '\\$&')));
    });
  }
});

describe('Grafana webhook payloads', () => {
  it('normalises the documented notification, one Signal per alert', () => {
    const { alerts } = parseGrafanaPayload(fixture('grafana-notification.json'), ctx);
    assert.deepEqual(
      alerts.map(({ signal: s }) => [s.source, s.fingerprint, s.status, s.alertname, s.summary]),
      [
        ['grafana', 'c6eadffa33fcdf37', 'firing', 'High memory usage', 'This alert was triggered for zone us-1'],
        ['grafana', 'bc97ff14869b13e3', 'firing', 'High CPU usage', 'This alert was triggered for zone eu-1'],
      ],
    );
    assert.equal(alerts[0]?.signal.labels['zone'], 'us-1');
    assert.equal(alerts[0]?.signal.startsAt, '2021-10-12T09:51:03.157076+02:00');
  });

  it('reads the older documented form with valueString instead of values', () => {
    const { alerts } = parseGrafanaPayload(fixture('grafana-legacy-valuestring.json'), ctx);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]?.signal.fingerprint, 'c6eadffa33fcdf37');
  });

  it('refuses an alert without labels with a 400 naming alerts.0.labels', () => {
    const body = fixture('grafana-notification.json');
    const alerts = body['alerts'] as Record<string, unknown>[];
    const err = rejection(() => parseGrafanaPayload({ ...body, alerts: [{ ...alerts[0], labels: undefined }] }, ctx));
    assert.equal(err.statusCode, 400);
    assert.equal(err.toBody()['field'], 'alerts.0.labels');
  });
});

describe('signal ids', () => {
  it('stay the same for a retry and advance for a notification sent after a 2xx answer', () => {
    const ledger = new NotificationLedger();
    const parse = () => parseAlertmanagerPayload(fixture('alertmanager-group.json'), { receivedAt: RECEIVED, notificationNumber: (k) => ledger.next(k) });
    const first = parse();
    const retry = parse(); // the first was answered 503: Alertmanager sends the same group again
    assert.deepEqual(retry.alerts.map((a) => a.signal.id), first.alerts.map((a) => a.signal.id));
    ledger.answeredOk(retry.alerts);
    const repeat = parse(); // repeat_interval later, after a 202
    assert.deepEqual(
      repeat.alerts.map((a) => a.signal.id),
      first.alerts.map((a) => a.signal.id.replace(/#1$/, '#2')),
    );
  });

  it('differ for a new episode of the same alert (a new startsAt)', () => {
    const a = parseAlertmanagerPayload(amWith({ alertname: 'Flap' }), ctx).alerts[0]?.signal;
    const later = amWith({ alertname: 'Flap' });
    const b = parseAlertmanagerPayload({ ...later, alerts: [{ ...later.alerts[0], startsAt: '2026-01-02T04:00:00Z' }] }, ctx).alerts[0]?.signal;
    assert.equal(a?.fingerprint, b?.fingerprint, 'same incident key');
    assert.notEqual(a?.id, b?.id);
  });

  it('of a generic signal without an id are a hash of the body, so a resent request is recorded once', () => {
    const raw = Buffer.from(JSON.stringify({ alertname: 'DiskFull', service: 'billing' }));
    const a = parseGenericSignal(JSON.parse(raw.toString()), raw, RECEIVED);
    const b = parseGenericSignal(JSON.parse(raw.toString()), raw, '2026-01-02T03:05:00.000Z');
    assert.match(a.id, /^generic:[0-9a-f]{32}$/);
    assert.equal(a.id, b.id);
    assert.equal(a.source, 'generic');
    assert.equal(a.status, 'firing');
    assert.equal(a.receivedAt, RECEIVED);
  });

});

describe('generic signals', () => {
  it('refuse a misspelt field, naming both the missing and the unknown one', () => {
    const body = { alertname: 'DiskFull', serivce: 'billing' };
    const err = rejection(() => parseGenericSignal(body, Buffer.from(JSON.stringify(body)), RECEIVED));
    assert.equal(err.statusCode, 400);
    assert.deepEqual(err.issues.map((i) => i.field).sort(), ['(body)', 'service']);
    assert.match(err.issues.find((i) => i.field === '(body)')?.message ?? '', /serivce/);
  });
});
