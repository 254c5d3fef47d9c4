import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';

// Temporal's remote codec protocol (https://docs.temporal.io/production-deployment/data-encryption):
// the Web UI and `temporal` CLI POST {"payloads": [...]} to /decode (and /encode), each payload in
// protobuf JSON form (metadata values and data in base64), and get the same shape back. Browsers
// call it cross-origin, so only the Web UI's origins get CORS headers.

export const CODEC_ENDPOINTS = { encode: '/encode', decode: '/decode', health: '/healthz' } as const;
/** 8 MiB: a page of the Web UI can ask for many payloads (diagnose evidence is up to 256 KiB each). */
export const DEFAULT_CODEC_BODY_LIMIT = 8 * 1024 * 1024;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const JsonPayloadSchema = z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() });
const BodySchema = z.object({ payloads: z.array(JsonPayloadSchema) });
type JsonPayload = z.infer<typeof JsonPayloadSchema>;

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

export interface CodecServerOptions {
  /** Applied in order on encode, in reverse on decode (as a Temporal DataConverter does). */
  codecs: PayloadCodec[];
  /** Origins a browser may call from: the Temporal Web UI's, e.g. http://localhost:8233. */
  allowedOrigins: string[];
  logger: Logger;
  bodyLimitBytes?: number;
}

export type CodecApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, Logger>;

class CodecRequestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Build the codec server; call `listen()` to serve. It never logs a payload. */
export function createCodecServer(options: CodecServerOptions): CodecApp {
  const allowed = new Set(options.allowedOrigins.map((o) => o.replace(/\/$/, '')));
  const app: CodecApp = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_CODEC_BODY_LIMIT,
    // One line per request would be noise: the UI decodes every event of every page it shows.
    logController: new LogController({ disableRequestLogging: true }),
  });

  const cors = (request: FastifyRequest, reply: FastifyReply): boolean => {
    const origin = request.headers.origin;
    if (origin === undefined) return true; // not a browser: CLI, curl
    reply.header('vary', 'Origin');
    if (!allowed.has(origin)) return false;
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-allow-credentials', 'true');
    return true;
  };

  app.addHook('onRequest', async (request, reply) => {
    if (cors(request, reply)) {
      if (request.method !== 'OPTIONS') return;
      reply.header('access-control-allow-methods', 'POST, OPTIONS');
      reply.header('access-control-allow-headers', 'content-type, x-namespace, authorization');
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    }
    options.logger.warn({ origin: request.headers.origin, url: request.url }, 'codec request from an origin not allowed: refused. To fix: add it with --ui-origin');
    return reply.code(403).send({ error: 'origin-not-allowed', message: `origin ${request.headers.origin} may not use this codec server. To fix: start it with --ui-origin ${request.headers.origin}` });
  });

  const transform = (what: 'encode' | 'decode') => async (request: FastifyRequest) => {
    const parsed = BodySchema.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CodecRequestError(400, 'invalid-payload', `expected {"payloads": [{"metadata": {...}, "data": "<base64>"}]}: ${issue?.path.join('.') || '(body)'}: ${issue?.message}`);
    }
    let payloads = parsed.data.payloads.map(fromJson);
    try {
      const codecs = what === 'encode' ? options.codecs : [...options.codecs].reverse();
      for (const codec of codecs) payloads = await codec[what](payloads);
    } catch (err) {
      throw new CodecRequestError(400, `cannot-${what}`, `cannot ${what} the payloads: ${(err as Error).message}`);
    }
    request.log.debug({ namespace: request.headers['x-namespace'], payloads: payloads.length }, `codec ${what}`);
    return { payloads: payloads.map(toJson) };
  };
  app.post(CODEC_ENDPOINTS.encode, transform('encode'));
  app.post(CODEC_ENDPOINTS.decode, transform('decode'));
  app.get(CODEC_ENDPOINTS.health, async () => ({ status: 'ok' }));

  app.setErrorHandler((err, request, reply) => {
    const e = err as { statusCode?: number; reason?: string; code?: string; message: string };
    const status = e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
    const reason = e.reason ?? (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'payload-too-large' : status < 500 ? 'bad-request' : 'internal-error');
    if (status >= 500) request.log.error({ err }, 'codec server failed');
    else request.log.warn({ reason, url: request.url }, `codec request refused: ${e.message}`);
    return reply.code(status).send({ error: reason, message: e.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not-found', message: `no endpoint ${request.method} ${request.url.split('?')[0]}; endpoints: POST /encode, POST /decode, GET /healthz` }),
  );
  return app;
}
