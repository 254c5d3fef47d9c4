import { z } from 'zod';
import { invalidPayload } from './intake-error.js';
import type { ParsedNotification } from './alertmanager-payload.js';
import { signalFromWebhookAlert, WebhookAlertSchema, type NormaliseContext } from './webhook-alert.js';

/**
 * Grafana alerting's webhook contact point body (version "1"; Grafana 9 and later).
 * Grafana's alerting embeds Alertmanager, so each alert has the same core fields, plus links and
 * the values of the rule's queries. Fields medic does not use are accepted and ignored.
 */
const GrafanaAlertSchema = WebhookAlertSchema.extend({
  silenceURL: z.string().optional(),
  dashboardURL: z.string().optional(),
  panelURL: z.string().optional(),
  imageURL: z.string().optional(),
  values: z.record(z.string(), z.number()).nullable().optional(),
  valueString: z.string().optional(),
});

export const GrafanaPayloadSchema = z.object({
  receiver: z.string(),
  status: z.enum(['firing', 'resolved']),
  orgId: z.number().int().optional(),
  alerts: z.array(GrafanaAlertSchema).min(1, 'a notification carries at least one alert'),
  groupLabels: z.record(z.string(), z.string()).default({}),
  commonLabels: z.record(z.string(), z.string()).default({}),
  commonAnnotations: z.record(z.string(), z.string()).default({}),
  externalURL: z.string().default(''),
  version: z.string().default('1'),
  groupKey: z.string().default(''),
  truncatedAlerts: z.number().int().min(0).default(0),
  title: z.string().optional(),
  state: z.string().optional(),
  message: z.string().optional(),
});

export type GrafanaPayload = z.infer<typeof GrafanaPayloadSchema>;

/** Validate a Grafana body and normalise each alert; throws a 400 naming the first bad field. */
export function parseGrafanaPayload(body: unknown, ctx: Omit<NormaliseContext, 'source'>): ParsedNotification {
  const parsed = GrafanaPayloadSchema.safeParse(body);
  if (!parsed.success) throw invalidPayload('Grafana alerting webhook', parsed.error);
  const payload = parsed.data;
  return {
    alerts: payload.alerts.map((alert) => signalFromWebhookAlert(alert, { ...ctx, source: 'grafana' })),
    truncatedAlerts: payload.truncatedAlerts,
    groupKey: payload.groupKey,
  };
}
