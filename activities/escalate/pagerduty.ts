import type { EscalationMessage } from './escalation-message.js';
import { ackCommand } from './escalation-message.js';

// PagerDuty Events API v2 (POST https://events.pagerduty.com/v2/enqueue). The incident id is the
// dedup_key: re-sending a trigger adds to the same PagerDuty alert, and acknowledge / resolve
// events find it. acknowledge and resolve carry only routing_key, event_action and dedup_key.

const SUMMARY_MAX = 1024;
const DEDUP_MAX = 255;

/** PagerDuty accepts four severities; medic passes alert severities through this map. */
export function pagerDutySeverity(severity: string): 'critical' | 'error' | 'warning' | 'info' {
  const s = severity.toLowerCase();
  if (s === 'critical' || s === 'page' || s === 'fatal') return 'critical';
  if (s === 'warning' || s === 'warn' || s === 'minor') return 'warning';
  if (s === 'info' || s === 'informational' || s === 'low' || s === 'none') return 'info';
  return 'error';
}

export function pagerDutyBody(m: EscalationMessage, routingKey: string): Record<string, unknown> {
  const { input } = m;
  const base = { routing_key: routingKey, event_action: input.event, dedup_key: input.incidentId.slice(0, DEDUP_MAX) };
  if (input.event !== 'trigger') return base;
  return {
    ...base,
    payload: {
      summary: input.reason.slice(0, SUMMARY_MAX),
      source: input.target,
      severity: pagerDutySeverity(input.severity),
      timestamp: m.sentAt,
      component: input.target,
      ...(m.pool !== undefined && { group: m.pool }),
      class: 'medic escalation',
      custom_details: { incident: input.incidentId, target: input.target, severity: input.severity, acknowledge: ackCommand(input.incidentId) },
    },
    client: 'medic',
    ...(m.link !== undefined && { client_url: m.link, links: [{ href: m.link, text: 'incident timeline in Temporal' }] }),
  };
}
