import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadConfigWithExtension } from '../config/load-config.js';
import { readEnv, type MedicEnv } from '../config/env.js';
import type { MedicConfig } from '../config/config-schema.js';
import { connectClient, resolveTemporal, type TemporalTarget } from '../temporal/connect.js';
import { webUiBase } from '../temporal/dev-server-record.js';
import { medicDataConverter } from '../temporal/data-converter.js';
import { CliError, EXIT } from './cli-error.js';

/** What most commands need: the environment, the configuration, a Temporal client. */
export function cliEnv(): MedicEnv {
  try {
    return readEnv();
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
}

/** The configuration, and before it the extension it names (its playbooks are routes' too). */
export async function cliConfig(env: MedicEnv): Promise<MedicConfig> {
  try {
    return await (env.MEDIC_CONFIG === undefined ? loadConfigWithExtension() : loadConfigWithExtension(env.MEDIC_CONFIG));
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
}

/** Payload encryption from the environment (undefined when off); a bad key is a usage error. */
export function cliDataConverter(env: MedicEnv): DataConverter | undefined {
  try {
    return medicDataConverter(env);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
}

/** Where the CLI connects; bad connection settings are a usage error, not "unreachable". */
export function cliTemporal(env: MedicEnv): TemporalTarget {
  try {
    return resolveTemporal(env);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
}

export async function cliClient(env: MedicEnv): Promise<Client> {
  cliDataConverter(env); // a bad key says so, rather than "Temporal unreachable"
  cliTemporal(env);
  try {
    return await connectClient(env);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.unavailable);
  }
}

/** Accept `incident-<fingerprint>` or the bare fingerprint. */
export function incidentIdArg(id: string): string {
  return id.startsWith('incident-') ? id : `incident-${id}`;
}

/** The incident's page in the Web UI that serves this Temporal (see webUiBase). */
export function webUiLink(env: MedicEnv, incidentId: string): string {
  const { address, namespace } = cliTemporal(env);
  return `${webUiBase(address, env.MEDIC_WEB_UI)}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(incidentId)}`;
}
