import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { METADATA_ENCODING_KEY, ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

// Optional encryption of everything medic puts in Temporal payloads (workflow inputs, signals,
// activity inputs and results, timelines, summaries): AES-256-GCM, one random 96-bit IV per payload.
// The whole original payload (metadata and data) is encrypted, so not even its encoding shows.

const PayloadMessage = proto.temporal.api.common.v1.Payload;

/** Encoding of an encrypted payload (as in Temporal's samples, so tools recognise it). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the key that encrypted a payload, so old payloads decrypt after a key rotation. */
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class EncryptionKeyError extends Error {
  override readonly name = 'EncryptionKeyError';
  readonly code = 'MEDIC_ENCRYPTION_KEY_INVALID';
}

/** An AES-256 key and the id payloads name it by: a hash, which says nothing about the key. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** A key from its base64 text (32 bytes once decoded; `openssl rand -base64 32` makes one). */
export function parseKey(base64: string, source: string): EncryptionKey {
  const text = base64.trim();
  const key = Buffer.from(text, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || key.length !== 32) {
    throw new EncryptionKeyError(`${source} must be 32 bytes in base64 (44 characters), got ${key.length} bytes. To fix: generate one with \`openssl rand -base64 32\``);
  }
  return { id: `medic-${createHash('sha256').update('medic payload key id\0').update(key).digest('hex').slice(0, 16)}`, key };
}

/**
 * Keys from a key file: one base64 key per line, the first encrypts and every one decrypts (append
 * the old key below a new one to rotate). Blank lines and lines starting with # are ignored.
 */
export function parseKeyFile(text: string, path: string): EncryptionKey[] {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new EncryptionKeyError(`${path} holds no key. To fix: write a base64 key (\`openssl rand -base64 32\`) on its first line`);
  return lines.map((line, i) => parseKey(line, `${path} line ${i + 1}`));
}

const text = (bytes: Uint8Array | null | undefined): string | undefined => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** The payload codec: encrypts with the first key, decrypts with whichever key a payload names. */
export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;

  constructor(readonly keys: readonly EncryptionKey[]) {
    if (keys.length === 0) throw new EncryptionKeyError('an encryption codec needs at least one key');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  get keyId(): string {
    return (this.keys[0] as EncryptionKey).id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys[0] as EncryptionKey;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([iv, cipher.update(PayloadMessage.encode(payload).finish()), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(id) },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
      const id = text(payload.metadata?.[KEY_ID_METADATA]) ?? '(none)';
      const key = this.byId.get(id);
      if (key === undefined) {
        throw new ValueError(`cannot decrypt a payload encrypted with key ${id}: this process has ${[...this.byId.keys()].join(', ')}. To fix: add that key to MEDIC_ENCRYPTION_KEY_FILE (old keys on the lines below the current one)`);
      }
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError(`encrypted payload (key ${id}) is too short to be one of medic's`);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new ValueError(`encrypted payload (key ${id}) failed its integrity check: it was altered, or encrypted with another key of the same id`);
      }
      return PayloadMessage.decode(plain);
    });
  }
}

export interface EncryptionEnv {
  MEDIC_ENCRYPTION_KEY?: string | undefined;
  MEDIC_ENCRYPTION_KEY_FILE?: string | undefined;
}

/** The codec the environment asks for, or undefined when encryption is off (the default). */
export function encryptionCodecFromEnv(env: EncryptionEnv): EncryptionCodec | undefined {
  if (env.MEDIC_ENCRYPTION_KEY !== undefined && env.MEDIC_ENCRYPTION_KEY_FILE !== undefined) {
    throw new EncryptionKeyError('set MEDIC_ENCRYPTION_KEY or MEDIC_ENCRYPTION_KEY_FILE, not both');
  }
  if (env.MEDIC_ENCRYPTION_KEY !== undefined) return new EncryptionCodec([parseKey(env.MEDIC_ENCRYPTION_KEY, 'MEDIC_ENCRYPTION_KEY')]);
  if (env.MEDIC_ENCRYPTION_KEY_FILE !== undefined) {
    let content: string;
    try {
      content = readFileSync(env.MEDIC_ENCRYPTION_KEY_FILE, 'utf8');
    } catch (err) {
      throw new EncryptionKeyError(`cannot read MEDIC_ENCRYPTION_KEY_FILE ${env.MEDIC_ENCRYPTION_KEY_FILE}: ${(err as Error).message}. To fix: make it readable by medic`);
    }
    return new EncryptionCodec(parseKeyFile(content, env.MEDIC_ENCRYPTION_KEY_FILE));
  }
  return undefined;
}

/** The SDK's error when it meets an encrypted payload and has no codec for it. */
export function isMissingKeyError(err: unknown): boolean {
  return err instanceof Error && err.message.includes(`Unknown encoding: ${ENCRYPTED_ENCODING}`);
}

export const MISSING_KEY_MESSAGE = `this incident's payloads are encrypted and medic has no key to read them. To fix: set MEDIC_ENCRYPTION_KEY or MEDIC_ENCRYPTION_KEY_FILE as for the worker`;
