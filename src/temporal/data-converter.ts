import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { encryptionCodecFromEnv, type EncryptionEnv } from './encryption-codec.js';

/** The failure converter that puts error messages and stack traces into (encrypted) payloads. */
export const ENCODED_FAILURES_PATH = fileURLToPath(new URL('./encoded-failure-converter.cjs', import.meta.url));

/**
 * What clients and workers encode payloads with: nothing special unless encryption is configured
 * (MEDIC_ENCRYPTION_KEY or MEDIC_ENCRYPTION_KEY_FILE); then payloads and failure messages are
 * encrypted. Every worker and client of a namespace must use the same keys.
 */
export function medicDataConverter(env: EncryptionEnv): DataConverter | undefined {
  const codec = encryptionCodecFromEnv(env);
  return codec === undefined ? undefined : { payloadCodecs: [codec], failureConverterPath: ENCODED_FAILURES_PATH };
}
