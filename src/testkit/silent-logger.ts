import { pino } from 'pino';

/** The logger a user's activity implementation gets in tests: its lines would only be noise. */
export const silentLogger = pino({ level: 'silent' });
