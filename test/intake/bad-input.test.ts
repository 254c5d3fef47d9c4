import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { signedHeaders } from '../../src/intake/auth.js';
import { incidentWorkflowId } from '../../workflows/definitions.js';
import { metricValue, startTestIntake, type RunningIntake } from '../helpers/intake.js';
import { closeTestTemporal, testTemporal, uniqueName } from '../helpers/temporal.js';

// Every class of bad input gets its status code and a JSON error that names the field or the
// reason, and nothing of the request is recorded: not even the valid alerts of a refused group.

const TOKEN = 'the-right-token';
const HMAC = 'the-right-hmac-secret';
const LIMIT = 16 * 1024;
const ROUTES = `
defaultRoute:
  playbook: diagnose-and-escalate
  targetFromLabel: instance
`;

type Json = Record<string, unknown>;
const prefix = uniqueName('bad input');
let intake: RunningIntake;

function group(alerts: Json[]): Json {
  const base = JSON.parse(readFileSync(new URL('../fixtures/intake/alertmanager-group.json', import.meta.url), 'utf8')) as Json;
  return { ...base, alerts };
}

function alert(n: number, overrides: Json = {}): Json {
  return {
    status: 'firing',
    labels: { alertname: 'BadInput', instance: `host-${n}`, job: 'node' },
    annotations: {},
    startsAt: '2026-01-02T03:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: '',
    fingerprint: `${prefix}-${n}`,
    ...overrides,
  };
}

interface Case {
  name: string;
  path: string;
  body: string;
  headers: Record<string, string>;
  status: number;
  error: string;
  field?: string;
  says: RegExp;
  fingerprints: string[];
}

const bearer = { authorization: `Bearer ${TOKEN}` };
const json = { 'content-type': 'application/json' };
const okGroup = JSON.stringify(group([alert(1)]));
const genericBody = JSON.stringify({ alertname: 'BadInput', service: 'svc', fingerprint: `${prefix}-generic` });
const noService = JSON.stringify({ alertname: 'BadInput', fingerprint: `${prefix}-5` });

const cases: Case[] = [
  { name: 'no Authorization header', path: '/v1/signals/alertmanager', body: okGroup, headers: json, status: 401, error: 'unauthorized', says: /missing Authorization header.*To fix/, fingerprints: [`${prefix}-1`] },
  { name: 'a wrong bearer token', path: '/v1/signals/alertmanager', body: okGroup, headers: { ...json, authorization: 'Bearer not-it' }, status: 401, error: 'unauthorized', says: /does not match MEDIC_INTAKE_TOKEN/, fingerprints: [`${prefix}-1`] },
  { name: 'basic instead of bearer auth', path: '/v1/signals/grafana', body: okGroup, headers: { ...json, authorization: 'Basic dXNlcjpwYXNz' }, status: 401, error: 'unauthorized', says: /Bearer <token>/, fingerprints: [`${prefix}-1`] },
  { name: 'a generic signal without a signature', path: '/v1/signals', body: genericBody, headers: { ...json, ...bearer }, status: 401, error: 'unauthorized', says: /missing x-medic-signature/, fingerprints: [`${prefix}-generic`] },
  { name: 'a generic signal signed with another secret', path: '/v1/signals', body: genericBody, headers: { ...json, ...signedHeaders('wrong', genericBody) }, status: 401, error: 'unauthorized', says: /does not match the body/, fingerprints: [`${prefix}-generic`] },
  { name: 'a signature of another body', path: '/v1/signals', body: genericBody, headers: { ...json, ...signedHeaders(HMAC, genericBody + ' ') }, status: 401, error: 'unauthorized', says: /does not match the body/, fingerprints: [`${prefix}-generic`] },
  { name: 'a signed generic signal without its timestamp header', path: '/v1/signals', body: genericBody, headers: { ...json, 'x-medic-signature': signedHeaders(HMAC, genericBody)['x-medic-signature'] as string }, status: 401, error: 'unauthorized', says: /missing x-medic-timestamp header.*To fix/, fingerprints: [`${prefix}-generic`] },
  { name: 'a captured signed request replayed after the 5-minute window', path: '/v1/signals', body: genericBody, headers: { ...json, ...signedHeaders(HMAC, genericBody, Date.now() - 6 * 60_000) }, status: 401, error: 'unauthorized', says: /x-medic-timestamp is 3\d\d s old, outside the intake's 5-minute signature window.*cannot be replayed.*To fix/, fingerprints: [`${prefix}-generic`] },
  { name: 'a signed request dated 6 minutes ahead', path: '/v1/signals', body: genericBody, headers: { ...json, ...signedHeaders(HMAC, genericBody, Date.now() + 6 * 60_000) }, status: 401, error: 'unauthorized', says: /x-medic-timestamp is 3\d\d s in the future/, fingerprints: [`${prefix}-generic`] },
  { name: 'a fresh timestamp on a captured signature', path: '/v1/signals', body: genericBody, headers: { ...json, ...signedHeaders(HMAC, genericBody, Date.now() - 6 * 60_000), 'x-medic-timestamp': String(Math.floor(Date.now() / 1000)) }, status: 401, error: 'unauthorized', says: /does not match the body and timestamp/, fingerprints: [`${prefix}-generic`] },
  { name: 'a malformed signature', path: '/v1/signals', body: genericBody, headers: { ...json, 'x-medic-signature': 'md5=abc' }, status: 401, error: 'unauthorized', says: /sha256=/, fingerprints: [`${prefix}-generic`] },
  { name: 'a generic body cut short, signed with another secret (checked before parsing)', path: '/v1/signals', body: genericBody.slice(0, 20), headers: { ...json, ...signedHeaders('wrong', genericBody.slice(0, 20)) }, status: 401, error: 'unauthorized', says: /does not match the body/, fingerprints: [] },
  { name: 'JSON cut short', path: '/v1/signals/alertmanager', body: okGroup.slice(0, 40), headers: { ...json, ...bearer }, status: 400, error: 'invalid-json', says: /not valid JSON/, fingerprints: [`${prefix}-1`] },
  { name: 'an empty body', path: '/v1/signals/alertmanager', body: '', headers: { ...json, ...bearer }, status: 400, error: 'invalid-json', says: /empty/, fingerprints: [] },
  {
    name: 'a group whose second alert is invalid (the valid first one is not recorded either)',
    path: '/v1/signals/alertmanager',
    body: JSON.stringify(group([alert(2), alert(3, { status: 'pending' })])),
    headers: { ...json, ...bearer },
    status: 400,
    error: 'invalid-payload',
    field: 'alerts.1.status',
    says: /alerts\.1\.status/,
    fingerprints: [`${prefix}-2`, `${prefix}-3`],
  },
  {
    name: 'a Grafana alert without a start time',
    path: '/v1/signals/grafana',
    body: JSON.stringify({ receiver: 'medic', status: 'firing', alerts: [alert(4, { startsAt: undefined })] }),
    headers: { ...json, ...bearer },
    status: 400,
    error: 'invalid-payload',
    field: 'alerts.0.startsAt',
    says: /alerts\.0\.startsAt/,
    fingerprints: [`${prefix}-4`],
  },
  {
    name: 'a generic signal without a service',
    path: '/v1/signals',
    body: noService,
    headers: { ...json, ...signedHeaders(HMAC, noService) },
    status: 400,
    error: 'invalid-payload',
    field: 'service',
    says: /service/,
    fingerprints: [`${prefix}-5`],
  },
  {
    name: 'a group larger than the body limit',
    path: '/v1/signals/alertmanager',
    body: JSON.stringify(group(Array.from({ length: 100 }, (_, i) => alert(100 + i)))),
    headers: { ...json, ...bearer },
    status: 413,
    error: 'payload-too-large',
    says: /larger than the intake's limit of 16384 bytes.*max_alerts/,
    fingerprints: [`${prefix}-100`, `${prefix}-199`],
  },
  { name: 'a text/plain body', path: '/v1/signals/alertmanager', body: okGroup, headers: { 'content-type': 'text/plain', ...bearer }, status: 415, error: 'unsupported-media-type', says: /application\/json/, fingerprints: [`${prefix}-1`] },
  { name: 'a form body', path: '/v1/signals/grafana', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded', ...bearer }, status: 415, error: 'unsupported-media-type', says: /application\/json/, fingerprints: [] },
  { name: 'a body without Content-Type', path: '/v1/signals/alertmanager', body: okGroup, headers: bearer, status: 415, error: 'unsupported-media-type', says: /application\/json/, fingerprints: [`${prefix}-1`] },
  { name: 'an unknown endpoint', path: '/v1/signals/pagerduty', body: okGroup, headers: { ...json, ...bearer }, status: 404, error: 'not-found', says: /endpoints: POST \/v1\/signals\/alertmanager/, fingerprints: [] },
];

after(async () => {
  await intake?.close();
  await closeTestTemporal();
});

describe('bad input', () => {
  before(async () => {
    const { client } = await testTemporal();
    intake = await startTestIntake({ client, taskQueue: prefix, configYaml: ROUTES, secrets: { token: TOKEN, hmacSecret: HMAC }, bodyLimitBytes: LIMIT });
  });

  for (const c of cases) {
    it(`answers ${c.status} ${c.error} to ${c.name}, and records nothing`, async () => {
      const res = await fetch(`${intake.url}${c.path}`, { method: 'POST', headers: c.headers, body: c.body, signal: AbortSignal.timeout(10_000) });
      assert.equal(res.status, c.status);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      const body = (await res.json()) as Json;
      assert.equal(body['error'], c.error);
      assert.match(String(body['message']), c.says);
      if (c.field !== undefined) assert.equal(body['field'], c.field);
      if (c.status === 401) assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="medic"');
      const { client } = await testTemporal();
      for (const fp of c.fingerprints) {
        await assert.rejects(client.workflow.getHandle(incidentWorkflowId(fp)).describe(), WorkflowNotFoundError, `nothing recorded for ${fp}`);
      }
    });
  }

  it('counts every refusal by reason', async () => {
    const text = await (await fetch(`${intake.url}/metrics`)).text();
    const expected = new Map<string, number>();
    for (const c of cases) expected.set(c.error, (expected.get(c.error) ?? 0) + 1);
    for (const [reason, count] of expected) assert.equal(metricValue(text, 'medic_intake_rejects_total', { reason }), count, reason);
    assert.equal(metricValue(text, 'medic_intake_signals_total', { source: 'alertmanager', status: 'firing', outcome: 'opened' }), 0);
  });

  it('accepts the same requests once they are well formed and authenticated', async () => {
    const res = await fetch(`${intake.url}/v1/signals`, { method: 'POST', headers: { ...json, ...signedHeaders(HMAC, genericBody) }, body: genericBody });
    assert.equal(res.status, 202);
    const ok = await fetch(`${intake.url}/v1/signals/alertmanager`, { method: 'POST', headers: { ...json, ...bearer }, body: okGroup });
    assert.equal(ok.status, 202);
  });
});
