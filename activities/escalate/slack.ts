import type { EscalationMessage } from './escalation-message.js';
import { ackCommand, headline } from './escalation-message.js';

// Slack incoming webhook: POST {"text", "blocks"}. `text` is the notification and fallback;
// blocks carry the same in mrkdwn. Slack answers 200 "ok"; 4xx such as invalid_payload,
// no_service or channel_is_archived mean the webhook is wrong.

/** Slack's mrkdwn treats &, < and > as control characters; everything from outside is escaped. */
export const escapeMrkdwn = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const ICON = { trigger: ':rotating_light:', acknowledge: ':eyes:', resolve: ':white_check_mark:' } as const;

export function slackBody(m: EscalationMessage): Record<string, unknown> {
  const { input } = m;
  const title = input.event === 'trigger' ? `medic needs a human (${escapeMrkdwn(input.severity)})` : `medic: incident ${input.event === 'acknowledge' ? 'acknowledged' : 'resolved'}`;
  const context = [`incident \`${escapeMrkdwn(input.incidentId)}\``, `target \`${escapeMrkdwn(input.target)}\``];
  if (input.event === 'trigger') context.push(`ack: \`${escapeMrkdwn(ackCommand(input.incidentId))}\``);
  if (m.link !== undefined) context.push(`<${m.link}|timeline>`);
  return {
    text: escapeMrkdwn(headline(m)),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${ICON[input.event]} *${title}*\n${escapeMrkdwn(input.reason)}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' | ') }] },
    ],
  };
}
