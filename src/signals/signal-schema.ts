import { z } from 'zod';

/**
 * A Signal is medic's own, source-neutral view of one alert notification.
 * Every intake (Alertmanager, Grafana, generic JSON, the CLI) normalises to it,
 * and it is the only shape the incident workflow ever sees.
 */
export const SIGNAL_SOURCES = ['alertmanager', 'grafana', 'generic', 'cli', 'probe'] as const;

// Fingerprints become part of a workflow id, so they are kept to a safe alphabet.
const FINGERPRINT = /^[A-Za-z0-9._:-]{1,200}$/;

const labelMap = z.record(z.string().max(1024), z.string().max(16 * 1024));

export const SignalSchema = z.object({
  /** Unique id of this notification: the same id delivered twice is recorded once. */
  id: z.string().min(1).max(300),
  source: z.enum(SIGNAL_SOURCES),
  fingerprint: z
    .string()
    .regex(FINGERPRINT, 'fingerprint must be 1-200 characters of A-Z a-z 0-9 . _ : -'),
  status: z.enum(['firing', 'resolved']),
  alertname: z.string().min(1).max(300),
  service: z.string().min(1).max(300),
  severity: z.string().min(1).max(60).default('warning'),
  summary: z.string().max(2000).optional(),
  labels: labelMap.default({}),
  annotations: labelMap.default({}),
  startsAt: z.iso.datetime({ offset: true }).optional(),
  receivedAt: z.iso.datetime({ offset: true }),
});

export type Signal = z.infer<typeof SignalSchema>;
export type SignalInput = z.input<typeof SignalSchema>;
