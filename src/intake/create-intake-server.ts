import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import type { MedicConfig } from '../config/config-schema.js';
import type { Signal } from '../signals/signal-schema.js';
import { acceptSignals, type Deliverer, type SignalResult } from './accept-signals.js';
import { parseAlertmanagerPayload, type ParsedNotification } from './alertmanager-payload.js';
import { onAnswerWritten } from './answer-written.js';
import {
  checkBearer,
  checkSignature,
  describeAuth,
  genericAuth,
  requireSignatureHeaders,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  webhookAuth,
  type AuthMode,
  type IntakeSecrets,
} from './auth.js';
import { parseGenericSignal } from './generic-payload.js';
import { parseGrafanaPayload } from './grafana-payload.js';
import { DeadLetters } from './dead-letters.js';
import { IntakeError, toIntakeError } from './intake-error.js';
import { IntakeMetrics } from './metrics.js';
import { NotificationLedger } from './notification-ledger.js';
import { RequestDeadline } from './request-deadline.js';
import { sharedDeliveries } from './shared-deliveries.js';

/** 1 MiB: a few hundred alerts with their labels. Larger groups: set `max_alerts` in Alertmanager. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

export const INTAKE_ENDPOINTS = {
  alertmanager: '/v1/signals/alertmanager',
  grafana: '/v1/signals/grafana',
  generic: '/v1/signals',
  health: '/healthz',
  metrics: '/metrics',
} as const;

export interface IntakeServerOptions {
  /** Validated configuration: its routes decide playbook, target and parameters. */
  config: MedicConfig;
  logger: Logger;
  /** Who records signals: `temporalDeliverer(client, ...)` in production. */
  deliverer: Deliverer;
  /**
   * Whether an incident run still runs (`temporalRunCheck(client)`): lets a retry of a recorded
   * signal be answered from memory while that answer is still true. Without it, every retry that
   * is not joined in flight goes to Temporal.
   */
  isOpen?: (incidentId: string, runId: string) => Promise<boolean>;
  secrets: IntakeSecrets;
  /**
   * The intake's state directory (`MEDIC_STATE_DIR`): the dead-letter record of signals Temporal
   * refused for good lives here, and survives a restart.
   */
  stateDir: string;
  bodyLimitBytes?: number;
  ledger?: NotificationLedger;
  metrics?: IntakeMetrics;
  now?: () => Date;
}

/** The fastify instance, logging through medic's pino logger. */
export type IntakeApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, Logger>;

export interface IntakeServer {
  app: IntakeApp;
  metrics: IntakeMetrics;
  ledger: NotificationLedger;
  /** Signals Temporal refused for good, kept (see dead-letters.ts). */
  deadLetters: DeadLetters;
  /** How long one signal request may take before it answers 503 (the configuration's `intake.requestDeadline`). */
  requestDeadlineMs: number;
  /** The auth each endpoint requires, as logged at start. */
  auth: Record<'alertmanager' | 'grafana' | 'generic', AuthMode>;
}

// Raw bodies are kept beside the request (not on it) for the HMAC check.
const rawBodies = new WeakMap<FastifyRequest, Buffer>();

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function authHook(mode: AuthMode) {
  return async (request: FastifyRequest): Promise<void> => {
    if (mode.kind === 'bearer') checkBearer(request.headers.authorization, mode.token);
    // The signature needs the body: check it is there before reading any, verify it once read.
    if (mode.kind === 'hmac') requireSignatureHeaders(header(request, SIGNATURE_HEADER), header(request, TIMESTAMP_HEADER));
  };
}

function requireBody(request: FastifyRequest): unknown {
  if (request.body === undefined) {
    throw new IntakeError(415, 'unsupported-media-type', 'no JSON body. To fix: POST a JSON body with "Content-Type: application/json"');
  }
  return request.body;
}

function answer(reply: FastifyReply, results: SignalResult[]): FastifyReply {
  const incidents = [...new Set(results.flatMap((r) => (r.incidentId !== undefined && r.outcome !== 'no-open-incident' && r.outcome !== 'dead-lettered' ? [r.incidentId] : [])))];
  return reply.code(202).send({ accepted: results.length, incidents, results });
}

/**
 * Build the intake: an HTTP server that authenticates, validates and normalises alerts, routes
 * them, and answers 202 only once Temporal has recorded every one. Call `app.listen()` to serve.
 */
export async function createIntakeServer(options: IntakeServerOptions): Promise<IntakeServer> {
  const { config, logger } = options;
  // A retry joins the deliveries of the request it retries instead of repeating them (see there).
  const deliverer = sharedDeliveries(options.deliverer, { ...(options.isOpen !== undefined && { isOpen: options.isOpen }) });
  const metrics = options.metrics ?? new IntakeMetrics();
  const ledger = options.ledger ?? new NotificationLedger();
  const deadLetters = DeadLetters.open(options.stateDir);
  metrics.deadLettersHeld.set(deadLetters.size);
  if (deadLetters.size > 0) {
    logger.warn({ deadLetters: deadLetters.size, path: deadLetters.path }, `the intake holds ${deadLetters.size} dead-lettered signals (Temporal refused them for good). To fix: read them with \`medic dead-letters\`, remove the cause, send them again`);
  }
  const now = options.now ?? (() => new Date());
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const requestDeadlineMs = config.intake.requestDeadline;
  // Counted from the request's arrival (fastify starts the clock before the body is read), because
  // that is about when the sender started waiting.
  const deadlineFor = (reply: FastifyReply) => new RequestDeadline(requestDeadlineMs, requestDeadlineMs - reply.elapsedTime);
  const auth = { alertmanager: webhookAuth(options.secrets), grafana: webhookAuth(options.secrets), generic: genericAuth(options.secrets) };

  const app = Fastify({
    loggerInstance: logger,
    bodyLimit,
    // Per-request lines would be mostly Prometheus scrapes; signal outcomes and rejects are logged instead.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });

  // Endpoints whose body must carry a valid signature, by route URL.
  const signedRoutes = new Map<string, Extract<AuthMode, { kind: 'hmac' }>>();

  // JSON only; other media types answer 415. The raw bytes are kept: a signature is verified on
  // them before any JSON parsing, and a body-derived id hashes them.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    rawBodies.set(request, raw);
    const signed = signedRoutes.get(request.routeOptions.url ?? '');
    if (signed !== undefined) {
      try {
        checkSignature({ signature: header(request, SIGNATURE_HEADER), timestamp: header(request, TIMESTAMP_HEADER) }, raw, signed.secret, { nowMs: now().getTime(), windowMs: config.intake.signatureWindow });
      } catch (err) {
        done(err as Error, undefined);
        return;
      }
    }
    if (raw.length === 0) {
      done(new IntakeError(400, 'invalid-json', 'the body is empty. To fix: send a JSON object'), undefined);
      return;
    }
    parseJson(request, raw.toString('utf8'), (err, value) => {
      if (err) done(new IntakeError(400, 'invalid-json', `the body is not valid JSON: ${err.message}`), undefined);
      else done(null, value);
    });
  });

  app.setErrorHandler((err, request, reply) => {
    const e = toIntakeError(err, bodyLimit);
    metrics.rejects.inc({ reason: e.reason });
    const fields = { reason: e.reason, status: e.statusCode, url: request.url, remote: request.ip, field: e.issues[0]?.field, ...e.logFields };
    // A missed deadline is load, not a fault: the sender retries and nothing is lost. Warn, so a
    // steady stream of them is seen (and alerted on through the metric) without paging as an error.
    if (e.reason === 'deadline-exceeded') request.log.warn(fields, `request answered 503 at its deadline, the sender will retry: ${e.message}. If this repeats, Temporal or its workers are too slow for the alert rate: check Temporal's latency and medic_intake_request_duration_seconds`);
    else if (e.statusCode >= 500) request.log.error({ ...fields, err: e.cause ?? e }, e.message);
    else request.log.warn(fields, `request refused: ${e.message}`);
    if (e.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="medic"');
    if (e.statusCode === 503) reply.header('retry-after', '5');
    return reply.code(e.statusCode).send(e.toBody());
  });

  app.setNotFoundHandler((request, reply) => {
    metrics.rejects.inc({ reason: 'not-found' });
    return reply.code(404).send({
      error: 'not-found',
      message: `no endpoint ${request.method} ${request.url.split('?')[0]}; endpoints: POST ${INTAKE_ENDPOINTS.alertmanager}, POST ${INTAKE_ENDPOINTS.grafana}, POST ${INTAKE_ENDPOINTS.generic}, GET ${INTAKE_ENDPOINTS.health}, GET ${INTAKE_ENDPOINTS.metrics}`,
    });
  });

  app.addHook('onResponse', async (request, reply) => {
    const endpoint = request.routeOptions.url ?? 'unmatched';
    metrics.duration.observe({ endpoint, code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  const ctx = { config, deliverer, metrics, logger, deadLetters };

  /** One webhook endpoint: parse a group, deliver each alert, then count the answer in the ledger. */
  const webhook = (url: string, mode: AuthMode, what: string, parse: (body: unknown, c: { receivedAt: string; notificationNumber: (k: string) => number }) => ParsedNotification) => {
    app.post(url, { onRequest: authHook(mode) }, async (request, reply) => {
      const parsed = parse(requireBody(request), { receivedAt: now().toISOString(), notificationNumber: (k) => ledger.next(k) });
      if (parsed.truncatedAlerts > 0) {
        request.log.warn({ groupKey: parsed.groupKey, truncatedAlerts: parsed.truncatedAlerts }, `${what} left ${parsed.truncatedAlerts} alerts out of this notification (max_alerts): they were not received`);
      }
      const results = await acceptSignals(ctx, parsed.alerts.map((a) => a.signal), deadlineFor(reply));
      // A 202 counts only once it was written to an open connection: a sender that gave up waiting
      // sends the same bytes again, which must get the same ids (recorded once), not be taken for a
      // repeat. A retry handled meanwhile carries the same numbers, so counting both changes nothing.
      onAnswerWritten(reply.raw, {
        written: () => ledger.answeredOk(parsed.alerts),
        lost: () => request.log.warn({ groupKey: parsed.groupKey, alerts: parsed.alerts.length }, `${what} closed the connection before the 202 reached it (it gave up waiting): not counted as answered, so its retry carries the same signal ids and is recorded once`),
      });
      return answer(reply, results);
    });
  };
  webhook(INTAKE_ENDPOINTS.alertmanager, auth.alertmanager, 'Alertmanager', parseAlertmanagerPayload);
  webhook(INTAKE_ENDPOINTS.grafana, auth.grafana, 'Grafana', parseGrafanaPayload);

  if (auth.generic.kind === 'hmac') signedRoutes.set(INTAKE_ENDPOINTS.generic, auth.generic);
  app.post(INTAKE_ENDPOINTS.generic, { onRequest: authHook(auth.generic) }, async (request, reply) => {
    const signal: Signal = parseGenericSignal(requireBody(request), rawBodies.get(request) ?? Buffer.alloc(0), now().toISOString());
    return answer(reply, await acceptSignals(ctx, [signal], deadlineFor(reply)));
  });

  const startedAt = Date.now();
  app.get(INTAKE_ENDPOINTS.health, async () => ({ status: 'ok', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) }));
  app.get(INTAKE_ENDPOINTS.metrics, async (_request, reply) => {
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  for (const [endpoint, mode] of Object.entries(auth)) {
    const line = { endpoint: INTAKE_ENDPOINTS[endpoint as keyof typeof auth], auth: describeAuth(mode) };
    if (mode.kind === 'none') logger.warn(line, 'intake endpoint accepts signals from anyone who can reach it. To fix: set MEDIC_INTAKE_TOKEN (and MEDIC_INTAKE_HMAC_SECRET for POST /v1/signals)');
    else logger.info(line, 'intake endpoint authentication');
  }
  return { app, metrics, ledger, deadLetters, requestDeadlineMs, auth };
}
