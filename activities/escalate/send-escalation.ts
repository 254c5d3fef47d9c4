import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { channelName, type EscalationChannel, type EscalationConfig } from '../../src/config/escalation-schema.js';
import { resolveSecret, SecretUnavailableError, type SecretRef } from '../../src/config/secret-ref.js';
import type { EscalateInput, StepOutput } from '../contract.js';
import { DeliveryFailedError, DeliveryRejectedError, DriverError, MisconfigurationError } from '../driver-errors.js';
import { deliver, type Delivered } from './deliver.js';
import type { EscalationMessage } from './escalation-message.js';
import { pagerDutyBody } from './pagerduty.js';
import { slackBody } from './slack.js';
import { webhookBody } from './webhook.js';

const secret = (ref: SecretRef, field: string): string => {
  try {
    return resolveSecret(ref, field);
  } catch (err) {
    if (err instanceof SecretUnavailableError) throw new MisconfigurationError(err.message);
    throw err;
  }
};

async function send(channel: EscalationChannel, index: number, m: EscalationMessage, log: Logger): Promise<Delivered | 'logged'> {
  const field = `escalation.channels[${index}]`;
  const name = channelName(channel);
  switch (channel.type) {
    case 'log':
      log.warn({ event: m.input.event, reason: m.input.reason, severity: m.input.severity, target: m.input.target }, 'ESCALATION: a human is needed');
      return 'logged';
    case 'pagerduty':
      return deliver({ channel: name, url: channel.url, body: pagerDutyBody(m, secret(channel.routingKey, `${field}.routingKey`)), timeoutMs: channel.timeout, attempts: channel.attempts });
    case 'slack':
      return deliver({ channel: name, url: secret(channel.webhookUrl, `${field}.webhookUrl`), body: slackBody(m), timeoutMs: channel.timeout, attempts: channel.attempts });
    case 'webhook': {
      const headers = Object.fromEntries(Object.entries(channel.headers).map(([k, v]) => [k, secret(v, `${field}.headers.${k}`)]));
      return deliver({ channel: name, url: secret(channel.url, `${field}.url`), body: webhookBody(m), headers, timeoutMs: channel.timeout, attempts: channel.attempts });
    }
  }
}

/**
 * Send one escalation event to every configured channel. The step succeeds when at least one
 * channel that reaches a person (anything but `log`) accepted it, so a broken Slack webhook never
 * holds up the page; the failures are named in the summary. When none did, it fails: retryably if
 * some failure was a 5xx or a timeout, for good if all were 4xx or configuration errors.
 */
export async function sendEscalation(input: EscalateInput, cfg: EscalationConfig, pool: string | undefined, logger: Logger): Promise<StepOutput> {
  const info = Context.current().info;
  const link = cfg.webUiUrl === undefined ? undefined : `${cfg.webUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(info.namespace)}/workflows/${encodeURIComponent(input.incidentId)}`;
  const message: EscalationMessage = { input, pool, link, sentAt: new Date().toISOString() };
  const log = logger.child({ incidentId: input.incidentId, step: 'escalate' });

  const results = await Promise.allSettled(cfg.channels.map((c, i) => send(c, i, message, log)));
  const sent: string[] = [];
  const failed: { channel: string; error: DriverError | Error }[] = [];
  const data: Record<string, { ok: boolean; status?: number; attempts?: number; error?: string }> = {};
  results.forEach((r, i) => {
    const channel = cfg.channels[i] as EscalationChannel;
    const name = channelName(channel);
    if (r.status === 'fulfilled') {
      sent.push(name);
      data[name] = r.value === 'logged' ? { ok: true } : { ok: true, status: r.value.status, attempts: r.value.attempts };
    } else {
      const error = r.reason instanceof Error ? r.reason : new Error(String(r.reason));
      failed.push({ channel: name, error });
      data[name] = { ok: false, error: error.message };
      log.error({ channel: name, err: error.message }, 'escalation channel failed');
    }
  });

  const reachedPerson = cfg.channels.some((c, i) => c.type !== 'log' && results[i]?.status === 'fulfilled');
  const onlyLog = cfg.channels.every((c) => c.type === 'log');
  if (!reachedPerson && !onlyLog) {
    const why = failed.map((f) => f.error.message).join('; ');
    const anyRetryable = failed.some((f) => !(f.error instanceof DriverError) || f.error.retryable);
    if (anyRetryable) throw new DeliveryFailedError(`the ${input.event} escalation reached nobody: ${why}`);
    if (failed.every((f) => f.error instanceof MisconfigurationError)) throw new MisconfigurationError(`the ${input.event} escalation reached nobody: ${why}`);
    throw new DeliveryRejectedError(`the ${input.event} escalation reached nobody, and retrying cannot help: ${why}`);
  }
  const failures = failed.length === 0 ? '' : `; FAILED: ${failed.map((f) => `${f.channel} (${f.error.message})`).join('; ')}`;
  return { summary: `${input.event} sent to ${sent.join(', ')}${failures}`, data: { event: input.event, channels: data } };
}
