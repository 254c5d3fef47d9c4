import type { EscalateInput } from '../contract.js';

/** What every channel says, built once from the step's input. */
export interface EscalationMessage {
  input: EscalateInput;
  /** Pool of the target when it is in the inventory (escalations also go out for unknown targets). */
  pool: string | undefined;
  /** Link to the incident in the Temporal Web UI, when escalation.webUiUrl is set. */
  link: string | undefined;
  sentAt: string;
}

export const ackCommand = (incidentId: string): string => `medic ack ${incidentId} --by NAME --reason TEXT`;

export function headline(m: EscalationMessage): string {
  const { event, target, severity, reason, incidentId } = m.input;
  if (event === 'trigger') return `[medic] ${severity}: ${reason} (target ${target}, incident ${incidentId})`;
  return `[medic] ${event === 'acknowledge' ? 'acknowledged' : 'resolved'}: incident ${incidentId} on ${target}${reason ? ` (${reason})` : ''}`;
}
