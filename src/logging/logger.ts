import pino, { type Logger } from 'pino';

/** Paths never written to a log, whatever a caller passes in. */
export const REDACTED_PATHS = [
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'routingKey',
  '*.routingKey',
  'webhookUrl',
  '*.webhookUrl',
];

export function createLogger(options: { level?: string; pretty?: boolean; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'medic',
    level: options.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(options.pretty === true && {
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    }),
  });
}
