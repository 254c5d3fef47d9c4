import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readEnv } from '../../src/config/env.js';
import { resolveTemporal } from '../../src/temporal/connect.js';
import { freePort, runMedic } from '../helpers/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'medic-envconfig-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A TOML file in the format the `temporal` CLI shares (temporal config set ...). */
function tomlFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Only what a test sets: nobody's own TEMPORAL_* variables or ~/.config/temporalio file. */
const isolated = (vars: Record<string, string>) => readEnv({ HOME: dir, XDG_CONFIG_HOME: dir, ...vars });

describe('the Temporal connection, from Temporal\'s standard environment configuration', () => {
  it('connects to a local dev server on localhost:7233, namespace default, when nothing is set', () => {
    const t = resolveTemporal(isolated({}));
    assert.deepEqual([t.address, t.namespace, t.connectionOptions.tls], ['localhost:7233', 'default', undefined]);
  });

  it('reads the profile TEMPORAL_PROFILE names from TEMPORAL_CONFIG_FILE, and the variables override it', () => {
    const file = tomlFile(
      'profiles.toml',
      '[profile.default]\naddress = "default.example:7233"\n\n[profile.prod]\naddress = "prod.example:7233"\nnamespace = "payments"\napi_key = "k-123"\n[profile.prod.grpc_meta]\nx-team = "sre"\n',
    );
    const prod = resolveTemporal(isolated({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' }));
    assert.deepEqual([prod.address, prod.namespace, prod.connectionOptions.apiKey], ['prod.example:7233', 'payments', 'k-123']);
    assert.equal(prod.connectionOptions.tls, true, 'an API key turns TLS on');
    assert.deepEqual(prod.connectionOptions.metadata, { 'x-team': 'sre' });
    assert.equal(resolveTemporal(isolated({ TEMPORAL_CONFIG_FILE: file })).address, 'default.example:7233', 'without TEMPORAL_PROFILE, the default profile');
    const overridden = resolveTemporal(isolated({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'staging' }));
    assert.equal(overridden.namespace, 'staging');
  });

  it('finds the temporal CLI\'s own file under the user\'s config folder', () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const configDir = join(home, 'temporalio');
    mkdirSync(configDir);
    writeFileSync(join(configDir, 'temporal.toml'), '[profile.default]\naddress = "from-cli-file:7233"\n');
    assert.equal(resolveTemporal(readEnv({ HOME: home, XDG_CONFIG_HOME: home })).address, 'from-cli-file:7233');
  });

  it('takes mTLS from the standard TEMPORAL_TLS_* variables: client pair, server CA and server name', () => {
    const [crt, key, ca] = ['client.pem', 'client.key', 'ca.pem'].map((f) => tomlFile(f, `-----${f}-----\n`));
    const t = resolveTemporal(
      isolated({
        TEMPORAL_ADDRESS: 'temporal.internal:7233',
        TEMPORAL_TLS_CLIENT_CERT_PATH: crt ?? '',
        TEMPORAL_TLS_CLIENT_KEY_PATH: key ?? '',
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca ?? '',
        TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      }),
    );
    const tls = t.connectionOptions.tls;
    assert.ok(typeof tls === 'object' && tls !== null);
    assert.equal(Buffer.from(tls.clientCertPair?.crt ?? []).toString(), '-----client.pem-----\n');
    assert.equal(Buffer.from(tls.clientCertPair?.key ?? []).toString(), '-----client.key-----\n');
    assert.equal(Buffer.from(tls.serverRootCACertificate ?? []).toString(), '-----ca.pem-----\n');
    assert.equal(tls.serverNameOverride, 'temporal.internal');
  });

  it('refuses a client certificate without its key, saying what to set', () => {
    const crt = tomlFile('lonely.pem', 'x');
    assert.throws(() => resolveTemporal(isolated({ TEMPORAL_TLS_CLIENT_CERT_PATH: crt })), /needs its key.*To fix: set both TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH/);
  });

  it('names a profile that is not in the file, and says how to list them', () => {
    const file = tomlFile('one.toml', '[profile.default]\naddress = "a:1"\n');
    assert.throws(() => resolveTemporal(isolated({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'nope' })), /Profile 'nope' not found.*To fix: .*temporal config list/);
  });

  it('medic connects through a TOML profile alone, with no TEMPORAL_ADDRESS', async () => {
    const address = process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '';
    const closed = await freePort();
    const file = tomlFile('test-server.toml', `[profile.tests]\naddress = "${address}"\nnamespace = "default"\n\n[profile.closed]\naddress = "127.0.0.1:${closed}"\n`);
    const r = await runMedic(['incidents', '--since', '1m', '--json'], { TEMPORAL_ADDRESS: '', TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'tests' });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Array.isArray(JSON.parse(r.stdout)));
    // The same command under another profile goes where that profile says.
    const other = await runMedic(['incidents'], { TEMPORAL_ADDRESS: '', TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'closed' });
    assert.equal(other.code, 3);
    assert.match(other.stderr, new RegExp(`127\\.0\\.0\\.1:${closed} \\(namespace default, address from profile "closed" of ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));
  });

  it('reports a Temporal port that refuses connections within 3 seconds, naming the address', async () => {
    const port = await freePort();
    const started = Date.now();
    const r = await runMedic(['incidents'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TEMPORAL_CONFIG_FILE: join(dir, 'none.toml') });
    const seconds = (Date.now() - started) / 1000;
    assert.equal(r.code, 3);
    assert.match(r.stderr, new RegExp(`cannot reach Temporal at 127\\.0\\.0\\.1:${port}.*connection refused.*To fix: start it with \`medic dev\``));
    assert.ok(seconds < 3, `took ${seconds.toFixed(1)} s`);
  });
});
