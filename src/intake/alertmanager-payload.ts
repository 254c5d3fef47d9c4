import { z } from 'zod';
import { invalidPayload } from './intake-error.js';
import { signalFromWebhookAlert, WebhookAlertSchema, type NormaliseContext, type NormalisedAlert } from './webhook-alert.js';

/**
 * Alertmanager's webhook body, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
 * One POST carries one group: every alert in it has its own fingerprint, status and times.
 * Fields medic does not use are accepted and ignored, so a newer Alertmanager keeps working.
 */
export const AlertmanagerPayloadSchema = z.object({
  version: z.literal('4', { error: 'medic reads Alertmanager webhook version "4"' }),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: z.record(z.string(), z.string()).default({}),
  commonLabels: z.record(z.string(), z.string()).default({}),
  commonAnnotations: z.record(z.string(), z.string()).default({}),
  externalURL: z.string().default(''),
  alerts: z.array(WebhookAlertSchema).min(1, 'a notification carries at least one alert'),
});

export type AlertmanagerPayload = z.infer<typeof AlertmanagerPayloadSchema>;

export interface ParsedNotification {
  alerts: NormalisedAlert[];
  /** Alerts the sender left out (max_alerts): logged, so the loss is visible. */
  truncatedAlerts: number;
  groupKey: string;
}

/** Validate an Alertmanager body and normalise each alert; throws a 400 naming the first bad field. */
export function parseAlertmanagerPayload(body: unknown, ctx: Omit<NormaliseContext, 'source'>): ParsedNotification {
  const parsed = AlertmanagerPayloadSchema.safeParse(body);
  if (!parsed.success) throw invalidPayload('Alertmanager webhook (version 4)', parsed.error);
  const payload = parsed.data;
  return {
    alerts: payload.alerts.map((alert) => signalFromWebhookAlert(alert, { ...ctx, source: 'alertmanager' })),
    truncatedAlerts: payload.truncatedAlerts,
    groupKey: payload.groupKey,
  };
}
