import { z } from 'zod';

/** Where escalations go. `log` writes to the worker's log; it is the default. */
const EscalationChannelSchema = z.discriminatedUnion('type', [z.object({ type: z.literal('log') }).strict()]);

export const EscalationSchema = z
  .object({ channels: z.array(EscalationChannelSchema).min(1) })
  .strict()
  .default({ channels: [{ type: 'log' }] });

export type EscalationConfig = z.infer<typeof EscalationSchema>;
