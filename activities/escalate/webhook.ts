import type { EscalationMessage } from './escalation-message.js';
import { ackCommand } from './escalation-message.js';

/**
 * medic's generic JSON webhook, version 1 (documented in docs/drivers.md). `dedupKey` is the
 * incident id: a receiver that sees the same key and event twice can drop the second.
 */
export function webhookBody(m: EscalationMessage): Record<string, unknown> {
  const { input } = m;
  return {
    version: 1,
    source: 'medic',
    event: input.event,
    incidentId: input.incidentId,
    dedupKey: input.incidentId,
    target: input.target,
    pool: m.pool ?? null,
    severity: input.severity,
    reason: input.reason,
    acknowledge: input.event === 'trigger' ? ackCommand(input.incidentId) : null,
    link: m.link ?? null,
    sentAt: m.sentAt,
  };
}
