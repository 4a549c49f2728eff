import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

/**
 * Secret-bearing keys, at the top level and nested one or two levels (e.g. `req.headers.x`).
 * `userid` is deliberately not redacted: it identifies, it does not authenticate.
 */
const SECRET_KEYS = [
  'password',
  'authorization',
  'Authorization',
  '["X-API-Session"]',
  '["x-api-session"]',
  '["session-credential"]',
  'token',
];

export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => {
  const nested = key.startsWith('[') ? key : `.${key}`;
  return [key, `*${nested}`, `*.*${nested}`];
});

export interface LoggerOptions {
  /** pino level; default `info`. */
  readonly level?: LevelWithSilent;
  /** Where JSON lines go; default stdout. Tests pass a capturing stream. */
  readonly destination?: DestinationStream;
  readonly name?: string;
}

/** The operator's JSON logger with secrets redacted (`[REDACTED]`). */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: options.name ?? 'dpm-operator',
      level: options.level ?? 'info',
      redact: { paths: [...REDACT_PATHS], censor: '[REDACTED]' },
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

/** Logger for one controller: every line carries `controller`. */
export function controllerLogger(base: Logger, controller: string): Logger {
  return base.child({ controller });
}

/** Logger for one object, from a controller logger: lines carry `{controller, namespace, name}`. */
export function objectLogger(controllerLog: Logger, namespace: string | undefined, name: string): Logger {
  return controllerLog.child({ namespace, name });
}
