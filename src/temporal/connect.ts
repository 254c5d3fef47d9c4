import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { MedicEnv } from '../config/env.js';
import { medicDataConverter } from './data-converter.js';

type TemporalEnv = Pick<MedicEnv, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_API_KEY' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY'> &
  Partial<Pick<MedicEnv, 'MEDIC_ENCRYPTION_KEY' | 'MEDIC_ENCRYPTION_KEY_FILE'>>;

/** TLS and API key options for a production cluster or Temporal Cloud; nothing for a dev server. */
function securityOptions(env: TemporalEnv) {
  const mtls =
    env.TEMPORAL_TLS_CERT !== undefined && env.TEMPORAL_TLS_KEY !== undefined
      ? { clientCertPair: { crt: readFileSync(env.TEMPORAL_TLS_CERT), key: readFileSync(env.TEMPORAL_TLS_KEY) } }
      : undefined;
  if ((env.TEMPORAL_TLS_CERT === undefined) !== (env.TEMPORAL_TLS_KEY === undefined)) {
    throw new Error('set both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (paths of the client certificate and key), or neither');
  }
  return {
    ...(env.TEMPORAL_API_KEY !== undefined && { apiKey: env.TEMPORAL_API_KEY, tls: mtls ?? true }),
    ...(env.TEMPORAL_API_KEY === undefined && mtls !== undefined && { tls: mtls }),
  };
}

function unreachable(env: TemporalEnv, cause: unknown): Error {
  return new Error(
    `cannot reach Temporal at ${env.TEMPORAL_ADDRESS} (namespace ${env.TEMPORAL_NAMESPACE}): ${(cause as Error).message}. To fix: start it with \`medic dev\`, or set TEMPORAL_ADDRESS`,
    { cause },
  );
}

export async function connectClient(env: TemporalEnv): Promise<Client> {
  // A bad key is a configuration error, reported before (and apart from) reaching Temporal.
  const dataConverter = medicDataConverter(env);
  try {
    const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS, ...securityOptions(env) });
    return new Client({ connection, namespace: env.TEMPORAL_NAMESPACE, ...(dataConverter !== undefined && { dataConverter }) });
  } catch (cause) {
    throw unreachable(env, cause);
  }
}

export async function connectWorker(env: TemporalEnv): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS, ...securityOptions(env) });
  } catch (cause) {
    throw unreachable(env, cause);
  }
}
