import type { IncidentInput, IncidentState, TimelineEntry } from '../definitions.js';

/** The "current details" markdown the Temporal Web UI shows while the incident is open. */
export function renderDetails(
  incidentId: string,
  input: IncidentInput,
  state: IncidentState,
  recent: TimelineEntry[],
): string {
  const lines = [
    `**Status:** ${state.status}${input.dryRun ? ' (dry run)' : ''}`,
    `**Playbook:** ${input.playbook} on \`${input.target}\``,
    `**Running step:** ${state.runningStep ?? 'none'}`,
    `**Signals received:** ${state.signals}`,
  ];
  if (state.pendingApproval !== undefined) {
    lines.push(
      `**Waiting for approval:** ${state.pendingApproval}`,
      `\`medic approve ${incidentId} --by NAME --reason TEXT\``,
    );
  }
  if (state.awaitingAck) lines.push(`**Escalated, not yet acknowledged:** \`medic ack ${incidentId} --by NAME --reason TEXT\``);
  lines.push('', '**Recent:**', ...recent.map((e) => `- ${e.at.slice(11, 19)} ${e.actor}: ${e.message}`));
  return lines.join('\n');
}
