import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { MedicEnv } from '../config/env.js';
import { medicDataConverter } from './data-converter.js';
import { refusedAtOnce } from './refused-at-once.js';

type TemporalEnv = Pick<MedicEnv, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_API_KEY'> &
  Partial<Pick<MedicEnv, 'temporalEnvironment' | 'MEDIC_ENCRYPTION_KEY' | 'MEDIC_ENCRYPTION_KEY_FILE'>>;

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

/** Where medic connects, and how: resolved once, the same way every Temporal tool does. */
export interface TemporalTarget {
  address: string;
  namespace: string;
  /** For messages: which profile of which file, or "environment" when none is used. */
  source: string;
  connectionOptions: NativeConnectionOptions & { address: string };
}

/**
 * The connection from Temporal's standard environment configuration: the profile TEMPORAL_PROFILE
 * (or "default") of the TOML file the `temporal` CLI shares (TEMPORAL_CONFIG_FILE, or
 * ~/.config/temporalio/temporal.toml), overridden by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS_* and TEMPORAL_GRPC_META_*. A local dev server when nothing is set.
 */
export function resolveTemporal(env: TemporalEnv): TemporalTarget {
  const vars: Record<string, string> = { ...env.temporalEnvironment };
  if (env.TEMPORAL_ADDRESS !== undefined) vars['TEMPORAL_ADDRESS'] = env.TEMPORAL_ADDRESS;
  if (env.TEMPORAL_NAMESPACE !== undefined) vars['TEMPORAL_NAMESPACE'] = env.TEMPORAL_NAMESPACE;
  if (env.TEMPORAL_API_KEY !== undefined) vars['TEMPORAL_API_KEY'] = env.TEMPORAL_API_KEY;
  const profile = vars['TEMPORAL_PROFILE'];
  const file = vars['TEMPORAL_CONFIG_FILE'];
  const source =
    env.TEMPORAL_ADDRESS !== undefined
      ? 'TEMPORAL_ADDRESS'
      : `${profile !== undefined ? `profile "${profile}"` : 'the default profile'} of ${file ?? "the temporal CLI's config file (if any)"}`;
  let loaded;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: vars, configFileStrict: false });
  } catch (cause) {
    throw new Error(
      `cannot read the Temporal connection settings (${source}): ${(cause as Error).message}. To fix: check TEMPORAL_PROFILE names a profile of TEMPORAL_CONFIG_FILE (\`temporal config list\`), and that every TEMPORAL_TLS_*_PATH file exists`,
      { cause },
    );
  }
  checkClientCertPair(vars);
  const address = loaded.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS;
  return { address, namespace: loaded.namespace ?? DEFAULT_TEMPORAL_NAMESPACE, source, connectionOptions: { ...loaded.connectionOptions, address } };
}

/** A certificate without its key (or the reverse) would silently connect without mTLS. */
function checkClientCertPair(vars: Record<string, string>): void {
  const cert = vars['TEMPORAL_TLS_CLIENT_CERT_PATH'] ?? vars['TEMPORAL_TLS_CLIENT_CERT_DATA'];
  const key = vars['TEMPORAL_TLS_CLIENT_KEY_PATH'] ?? vars['TEMPORAL_TLS_CLIENT_KEY_DATA'];
  if ((cert === undefined) !== (key === undefined)) {
    throw new Error('a TLS client certificate needs its key, and a key its certificate. To fix: set both TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (or the _DATA forms), or neither');
  }
}

function unreachable(target: TemporalTarget, cause: unknown): Error {
  return new Error(
    `cannot reach Temporal at ${target.address} (namespace ${target.namespace}, address from ${target.source}): ${(cause as Error).message}. To fix: start it with \`medic dev\`, or set TEMPORAL_ADDRESS (or TEMPORAL_PROFILE)`,
    { cause },
  );
}

/** Fail in a moment, not after the SDK's 10 s of retries, when nothing listens there at all. */
async function lookFirst(target: TemporalTarget): Promise<void> {
  const why = await refusedAtOnce(target.address);
  if (why !== undefined) throw unreachable(target, new Error(why));
}

export async function connectClient(env: TemporalEnv): Promise<Client> {
  // A bad key or bad connection settings are configuration errors, reported before (and apart
  // from) reaching Temporal.
  const dataConverter = medicDataConverter(env);
  const target = resolveTemporal(env);
  await lookFirst(target);
  try {
    const { address, tls, apiKey, metadata } = target.connectionOptions;
    const connection = await Connection.connect({ address, ...(tls !== undefined && { tls }), ...(apiKey !== undefined && { apiKey }), ...(metadata !== undefined && { metadata }) });
    return new Client({ connection, namespace: target.namespace, ...(dataConverter !== undefined && { dataConverter }) });
  } catch (cause) {
    throw unreachable(target, cause);
  }
}

export async function connectWorker(env: TemporalEnv): Promise<NativeConnection> {
  const target = resolveTemporal(env);
  await lookFirst(target);
  try {
    return await NativeConnection.connect(target.connectionOptions);
  } catch (cause) {
    throw unreachable(target, cause);
  }
}
