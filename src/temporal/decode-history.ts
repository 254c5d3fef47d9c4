import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

// fetchHistory() returns payloads as stored: encrypted when medic encrypts them. The audit reads
// histories directly, so it decodes them here with the client's codecs first.

type Node = Record<string, unknown>;

const isPayload = (value: unknown): value is Payload =>
  typeof value === 'object' && value !== null && 'metadata' in value && typeof (value as Payload).metadata === 'object' && (value as Payload).metadata !== null && 'encoding' in ((value as Payload).metadata as object);

const isWalkable = (value: unknown): value is Node => typeof value === 'object' && value !== null && !(value instanceof Uint8Array);

async function walk(node: Node | unknown[], codecs: PayloadCodec[]): Promise<void> {
  const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
  for (const [key, value] of entries) {
    if (isPayload(value)) {
      let decoded: Payload = value;
      for (const codec of [...codecs].reverse()) [decoded] = (await codec.decode([decoded])) as [Payload];
      (node as Record<string | number, unknown>)[key] = decoded;
    } else if (isWalkable(value)) {
      await walk(value, codecs);
    }
  }
  // A failure whose message and stack trace were encoded (see encoded-failure-converter.cjs).
  const failure = node as { encodedAttributes?: Payload | null; message?: string; stackTrace?: string };
  if (!Array.isArray(node) && failure.encodedAttributes) {
    const attrs = defaultPayloadConverter.fromPayload<{ message?: string; stack_trace?: string }>(failure.encodedAttributes);
    if (typeof attrs?.message === 'string') failure.message = attrs.message;
    if (typeof attrs?.stack_trace === 'string') failure.stackTrace = attrs.stack_trace;
  }
}

/** Decode every payload of a history in place (a no-op without codecs). */
export async function decodeHistory(history: temporal.api.history.v1.IHistory, codecs: PayloadCodec[]): Promise<void> {
  if (codecs.length === 0) return;
  await walk(history as unknown as Node, codecs);
}
