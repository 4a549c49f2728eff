import { pino, type Logger } from 'pino';

/** Default for components constructed without a logger. */
export const silentLogger: Logger = pino({ level: 'silent' });
