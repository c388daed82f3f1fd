import pino from 'pino';

/** The one server logger: start, stop, failures and socket lifecycle, as JSON lines. */
export const logger = pino({ name: 'creatordata', level: process.env.LOG_LEVEL ?? 'info' });
