import { pino, type Logger } from 'pino';

/**
 * Paths pino removes from every log line of the HMC client. The client never passes credentials
 * to the logger in the first place; the redaction is a second line of defence for callers that
 * log option objects or HMC responses.
 */
export const HMC_REDACT_PATHS: readonly string[] = [
  'password',
  '*.password',
  'passcode',
  '*.passcode',
  '["session-credential"]',
  '*["session-credential"]',
  '["api-session"]',
  '*["api-session"]',
  'sessionCredential',
  '*.sessionCredential',
  'headers["X-API-Session"]',
  '*.headers["X-API-Session"]',
];

/** A pino logger with the HMC redaction applied, writing to `destination` (default stdout). */
export function createHmcLogger(opts: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const options = {
    level: opts.level ?? 'info',
    redact: { paths: [...HMC_REDACT_PATHS], censor: '[redacted]' },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A logger that drops everything (the default when the caller passes none). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
