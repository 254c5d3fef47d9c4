import { z } from 'zod';
import { durationWithDefault } from './duration-schema.js';
import { SecretRefSchema } from './secret-ref.js';

// Where escalations go. Secrets (routing keys, webhook URLs, header values) are references
// resolved by the escalate activity when it runs (see secret-ref.ts): never in a workflow history.

const delivery = {
  /** Shown in the timeline instead of the URL; defaults to the channel's type. */
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a short name of letters, digits, . _ -').optional(),
  /** Time allowed for one request. */
  timeout: durationWithDefault('10s'),
  /** Tries per escalation; 5xx, 429 and timeouts are tried again, other 4xx answers are not. */
  attempts: z.number().int().min(1).max(10).default(3),
};

const LogChannelSchema = z.object({ type: z.literal('log'), name: delivery.name }).strict();

const PagerDutyChannelSchema = z
  .object({
    type: z.literal('pagerduty'),
    /** The integration key of an Events API v2 integration. */
    routingKey: SecretRefSchema,
    url: z.url().default('https://events.pagerduty.com/v2/enqueue'),
    ...delivery,
  })
  .strict();

const SlackChannelSchema = z.object({ type: z.literal('slack'), webhookUrl: SecretRefSchema, ...delivery }).strict();

const WebhookChannelSchema = z
  .object({
    type: z.literal('webhook'),
    url: SecretRefSchema,
    /** Extra request headers, e.g. Authorization: { env: MEDIC_WEBHOOK_TOKEN }. */
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name'), SecretRefSchema).default({}),
    ...delivery,
  })
  .strict();

const EscalationChannelSchema = z.discriminatedUnion('type', [
  LogChannelSchema,
  PagerDutyChannelSchema,
  SlackChannelSchema,
  WebhookChannelSchema,
]);
export type EscalationChannel = z.infer<typeof EscalationChannelSchema>;

export const channelName = (c: EscalationChannel): string => c.name ?? c.type;

export const EscalationSchema = z
  .object({
    channels: z.array(EscalationChannelSchema).min(1),
    /** Base URL of the Temporal Web UI; pages then link to the incident. */
    webUiUrl: z.url().optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.channels.forEach((channel, i) => {
      const name = channelName(channel);
      if (seen.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['channels', i, 'name'], message: `two channels are named "${name}": give each a distinct name` });
      }
      seen.add(name);
    });
  })
  .default({ channels: [{ type: 'log' }] });

export type EscalationConfig = z.infer<typeof EscalationSchema>;
