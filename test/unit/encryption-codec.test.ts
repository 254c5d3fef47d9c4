import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultPayloadConverter, ValueError, type Payload } from '@temporalio/common';
import pino from 'pino';
import { createCodecServer } from '../../src/codec/codec-server.js';
import { EncryptionCodec, EncryptionKeyError, encryptionCodecFromEnv, parseKey, parseKeyFile } from '../../src/temporal/encryption-codec.js';

const newKey = () => randomBytes(32).toString('base64');
const payload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const meta = (p: Payload, key: string) => Buffer.from(p.metadata?.[key] ?? new Uint8Array()).toString();
const ALERT = { alertname: 'DiskFull', labels: { owner: 'alice@example.org' } };

describe('payload encryption codec', () => {
  it('encrypts a payload whole (metadata and data) and decrypts it back', async () => {
    const codec = new EncryptionCodec([parseKey(newKey(), 'test')]);
    const [sealed] = (await codec.encode([payload(ALERT)])) as [Payload];
    assert.equal(meta(sealed, 'encoding'), 'binary/encrypted');
    assert.equal(meta(sealed, 'encryption-key-id'), codec.keyId);
    const bytes = Buffer.from(sealed.data ?? new Uint8Array());
    assert.ok(!bytes.includes('DiskFull') && !bytes.includes('json/plain') && !bytes.includes('alice'), 'nothing readable is left');
    const [opened] = (await codec.decode([sealed])) as [Payload];
    assert.deepEqual(defaultPayloadConverter.fromPayload(opened), ALERT);
  });

  it('uses a fresh IV for every payload, so equal values encrypt differently', async () => {
    const codec = new EncryptionCodec([parseKey(newKey(), 'test')]);
    const [a, b] = (await codec.encode([payload(ALERT), payload(ALERT)])) as [Payload, Payload];
    assert.notDeepEqual(Buffer.from(a.data ?? new Uint8Array()), Buffer.from(b.data ?? new Uint8Array()));
  });

  it('refuses a payload that was altered', async () => {
    const codec = new EncryptionCodec([parseKey(newKey(), 'test')]);
    const [sealed] = (await codec.encode([payload(ALERT)])) as [Payload];
    const data = Buffer.from(sealed.data ?? new Uint8Array());
    data[20] = (data[20] ?? 0) ^ 1;
    await assert.rejects(codec.decode([{ ...sealed, data }]), (err: Error) => err instanceof ValueError && /integrity check/.test(err.message));
  });

  it('decrypts payloads of an older key listed below the current one, and names a missing key', async () => {
    const [oldKey, currentKey] = [newKey(), newKey()];
    const dir = mkdtempSync(join(tmpdir(), 'medic-keys-'));
    try {
      const before = encryptionCodecFromEnv({ MEDIC_ENCRYPTION_KEY: oldKey });
      assert.ok(before);
      const [sealed] = (await before.encode([payload(ALERT)])) as [Payload];
      writeFileSync(join(dir, 'keys'), `# current key first\n${currentKey}\n\n${oldKey}\n`);
      const rotated = encryptionCodecFromEnv({ MEDIC_ENCRYPTION_KEY_FILE: join(dir, 'keys') });
      assert.ok(rotated);
      assert.notEqual(rotated.keyId, before.keyId, 'new payloads use the new key');
      assert.deepEqual(defaultPayloadConverter.fromPayload(((await rotated.decode([sealed])) as [Payload])[0]), ALERT);
      const newOnly = new EncryptionCodec([parseKey(currentKey, 'k')]);
      await assert.rejects(newOnly.decode([sealed]), (err: Error) => err.message.includes(before.keyId) && /To fix/.test(err.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes payloads that are not encrypted through unchanged', async () => {
    const codec = new EncryptionCodec([parseKey(newKey(), 'test')]);
    const plain = payload('hello');
    assert.deepEqual(await codec.decode([plain]), [plain]);
  });

  it('refuses malformed keys without echoing them, and a configuration with both variables', () => {
    const short = Buffer.from('sixteen byte key').toString('base64');
    assert.throws(() => parseKey(short, 'MEDIC_ENCRYPTION_KEY'), (err: Error) => err instanceof EncryptionKeyError && /32 bytes/.test(err.message) && !err.message.includes(short));
    assert.throws(() => parseKey('not base64 at all!', 'MEDIC_ENCRYPTION_KEY'), EncryptionKeyError);
    assert.throws(() => parseKeyFile('# only a comment\n', 'keys'), /holds no key/);
    assert.throws(() => encryptionCodecFromEnv({ MEDIC_ENCRYPTION_KEY: newKey(), MEDIC_ENCRYPTION_KEY_FILE: '/x' }), /not both/);
    assert.equal(encryptionCodecFromEnv({}), undefined, 'off unless asked for');
  });
});

describe('codec server', () => {
  const codec = new EncryptionCodec([parseKey(newKey(), 'test')]);
  const app = createCodecServer({ codecs: [codec], allowedOrigins: ['http://localhost:8233'], logger: pino({ level: 'silent' }) });
  const asJson = (p: Payload) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  });

  it('decodes what the Web UI sends, with CORS for the UI origin', async () => {
    const [sealed] = (await codec.encode([payload(ALERT)])) as [Payload];
    const res = await app.inject({
      method: 'POST',
      url: '/decode',
      headers: { origin: 'http://localhost:8233', 'x-namespace': 'default', 'content-type': 'application/json' },
      payload: { payloads: [asJson(sealed)] },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['access-control-allow-origin'], 'http://localhost:8233');
    const [decoded] = (res.json() as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
    assert.equal(Buffer.from(decoded?.metadata['encoding'] ?? '', 'base64').toString(), 'json/plain');
    assert.deepEqual(JSON.parse(Buffer.from(decoded?.data ?? '', 'base64').toString()), ALERT);
  });

  it('answers the browser preflight for the UI origin and refuses other origins', async () => {
    const ok = await app.inject({ method: 'OPTIONS', url: '/decode', headers: { origin: 'http://localhost:8233', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
    assert.equal(ok.statusCode, 204);
    assert.match(String(ok.headers['access-control-allow-headers']), /x-namespace/);
    const evil = await app.inject({ method: 'POST', url: '/decode', headers: { origin: 'http://evil.example', 'content-type': 'application/json' }, payload: { payloads: [] } });
    assert.equal(evil.statusCode, 403);
    assert.equal(evil.headers['access-control-allow-origin'], undefined);
    assert.equal(evil.json().error, 'origin-not-allowed');
  });

  it('round-trips /encode then /decode, and refuses a malformed body with a JSON error', async () => {
    const encoded = await app.inject({ method: 'POST', url: '/encode', payload: { payloads: [asJson(payload(ALERT))] } });
    assert.equal(encoded.statusCode, 200);
    const back = await app.inject({ method: 'POST', url: '/decode', payload: encoded.json() });
    assert.deepEqual(JSON.parse(Buffer.from(back.json().payloads[0].data, 'base64').toString()), ALERT);
    const bad = await app.inject({ method: 'POST', url: '/decode', payload: { payloads: [{ data: '!!!' }] } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error, 'invalid-payload');
  });
});
