/**
 * Typed errors of the HMC client. Callers branch on the class plus `httpStatus`/`reason`, never on
 * message text. Every class has a stable `name` and `code`.
 *
 * No error carries credentials: HTTP errors keep only the documented error-body fields (the
 * optional `request-body` echo is dropped, it may contain a logon password), and transport errors
 * keep only the low-level error code, never the request configuration.
 */

/** Base class of every error thrown by src/hmc. */
export abstract class HmcError extends Error {
  abstract readonly code: string;
  /** Whether repeating the same request later may succeed (used by controllers to pick a requeue). */
  abstract readonly transient: boolean;
}

/** The fields of an HMC error response body that the client keeps. */
export interface HmcErrorBody {
  'http-status'?: number;
  reason?: number;
  message?: string;
  'request-method'?: string;
  'request-uri'?: string;
  'error-details'?: unknown;
}

/** An HTTP error status returned by the HMC (WS API error body: http-status, reason, message). */
export class HmcHttpError extends HmcError {
  override readonly name = 'HmcHttpError';
  readonly code = 'HMC_HTTP_ERROR';
  readonly httpStatus: number;
  readonly reason: number;
  readonly requestMethod: string;
  readonly requestUri: string;
  readonly errorDetails: unknown;
  /** The HMC's own message (without the method/URI prefix of `message`). */
  readonly hmcMessage: string;

  constructor(init: {
    httpStatus: number;
    reason: number;
    message: string;
    requestMethod: string;
    requestUri: string;
    errorDetails?: unknown;
  }) {
    super(
      `${init.requestMethod} ${init.requestUri}: HTTP ${init.httpStatus}.${init.reason}: ${init.message}`,
    );
    this.httpStatus = init.httpStatus;
    this.reason = init.reason;
    this.requestMethod = init.requestMethod;
    this.requestUri = init.requestUri;
    this.errorDetails = init.errorDetails;
    this.hmcMessage = init.message;
  }

  get transient(): boolean {
    return this.httpStatus >= 500 || isBusy(this) || isSessionExpired(this);
  }
}

/** The HMC could not be reached or the connection broke (refused, reset, DNS, TLS handshake). */
export class HmcConnectionError extends HmcError {
  override readonly name: string = 'HmcConnectionError';
  readonly code: string = 'HMC_CONNECTION_ERROR';
  readonly transient: boolean = true;
  /** Low-level error code, e.g. ECONNREFUSED, ECONNRESET. */
  readonly causeCode: string | undefined;
  /** True when the failure happened before the request was sent (safe to retry any request). */
  readonly beforeSend: boolean;
  readonly host: string;

  constructor(init: { host: string; message: string; causeCode?: string; beforeSend: boolean }) {
    super(init.message);
    this.host = init.host;
    this.causeCode = init.causeCode;
    this.beforeSend = init.beforeSend;
  }
}

/** TLS verification of the HMC certificate failed: a configuration problem, never retried. */
export class HmcTlsError extends HmcConnectionError {
  override readonly name = 'HmcTlsError';
  override readonly code = 'HMC_TLS_ERROR';
  override readonly transient = false;
}

/** A single request exceeded its timeout. */
export class HmcTimeoutError extends HmcError {
  override readonly name = 'HmcTimeoutError';
  readonly code = 'HMC_TIMEOUT';
  readonly transient = true;
  readonly timeoutMs: number;
  readonly requestMethod: string;
  readonly requestUri: string;

  constructor(init: { timeoutMs: number; requestMethod: string; requestUri: string }) {
    super(`${init.requestMethod} ${init.requestUri}: no response within ${init.timeoutMs} ms`);
    this.timeoutMs = init.timeoutMs;
    this.requestMethod = init.requestMethod;
    this.requestUri = init.requestUri;
  }
}

/** Waiting for an asynchronous job (or a status) exceeded the operation timeout. */
export class OperationTimeoutError extends HmcError {
  override readonly name = 'OperationTimeoutError';
  readonly code = 'HMC_OPERATION_TIMEOUT';
  readonly transient = true;
  readonly timeoutMs: number;
  readonly jobUri: string | undefined;

  constructor(init: { message: string; timeoutMs: number; jobUri?: string }) {
    super(init.message);
    this.timeoutMs = init.timeoutMs;
    this.jobUri = init.jobUri;
  }
}

/** An asynchronous job ended unsuccessfully (e.g. start: 409.131 "the operating system failed to load"). */
export class JobFailedError extends HmcError {
  override readonly name = 'JobFailedError';
  readonly code = 'HMC_JOB_FAILED';
  readonly transient = false;
  readonly jobUri: string;
  /** `complete` (with an error status code) or `canceled`. */
  readonly jobStatus: string;
  /** An HTTP status code, as the synchronous form of the operation would have returned. */
  readonly jobStatusCode: number;
  readonly jobReasonCode: number | undefined;

  constructor(init: {
    jobUri: string;
    jobStatus: string;
    jobStatusCode: number;
    jobReasonCode?: number;
    message: string;
  }) {
    super(init.message);
    this.jobUri = init.jobUri;
    this.jobStatus = init.jobStatus;
    this.jobStatusCode = init.jobStatusCode;
    this.jobReasonCode = init.jobReasonCode;
  }
}

/** A find (by name, object-id, backing adapter, ...) matched no resource. */
export class NotFoundError extends HmcError {
  override readonly name = 'NotFoundError';
  readonly code = 'HMC_NOT_FOUND';
  readonly transient = false;
  readonly resourceClass: string;
  readonly filter: Readonly<Record<string, unknown>>;

  constructor(resourceClass: string, filter: Record<string, unknown>) {
    super(`no ${resourceClass} matches ${JSON.stringify(filter)}`);
    this.resourceClass = resourceClass;
    this.filter = filter;
  }
}

/** A find that must match one resource matched several. */
export class NoUniqueMatchError extends HmcError {
  override readonly name = 'NoUniqueMatchError';
  readonly code = 'HMC_NO_UNIQUE_MATCH';
  readonly transient = false;
  readonly resourceClass: string;
  readonly filter: Readonly<Record<string, unknown>>;
  readonly uris: readonly string[];

  constructor(resourceClass: string, filter: Record<string, unknown>, uris: string[]) {
    super(`${uris.length} ${resourceClass} resources match ${JSON.stringify(filter)}`);
    this.resourceClass = resourceClass;
    this.filter = filter;
    this.uris = uris;
  }
}

/** The HMC answered with something that is not the WS API (e.g. text/html: Web Services disabled). */
export class HmcProtocolError extends HmcError {
  override readonly name = 'HmcProtocolError';
  readonly code = 'HMC_PROTOCOL_ERROR';
  readonly transient = false;
}

/** The client was closed; no further requests are possible. */
export class HmcClosedError extends HmcError {
  override readonly name = 'HmcClosedError';
  readonly code = 'HMC_CLIENT_CLOSED';
  readonly transient = false;
}

function isHttp(err: unknown, status: number, reasons?: number[]): err is HmcHttpError {
  return (
    err instanceof HmcHttpError &&
    err.httpStatus === status &&
    (reasons === undefined || reasons.includes(err.reason))
  );
}

/** 404 from the HMC (404.1: no such object URI) or a find that matched nothing. */
export function isNotFound(err: unknown): boolean {
  return err instanceof NotFoundError || isHttp(err, 404);
}

/** 409.2: the object is busy with another operation; retrying later is safe. */
export function isBusy(err: unknown): err is HmcHttpError {
  return isHttp(err, 409, [2]);
}

/** 409.1: the object is not in a valid state for the operation (e.g. start while active). */
export function isWrongState(err: unknown): err is HmcHttpError {
  return isHttp(err, 409, [1]);
}

/** 403.4 (no session id) / 403.5 (session id invalid or expired): log on again. */
export function isSessionExpired(err: unknown): err is HmcHttpError {
  return isHttp(err, 403, [4, 5]);
}

/** 400.8: a value that must be unique (e.g. a partition name on its CPC) is already used. */
export function isDuplicateName(err: unknown): err is HmcHttpError {
  return isHttp(err, 400, [8]);
}

/** Whether a later retry of the same call may succeed. */
export function isTransient(err: unknown): boolean {
  return err instanceof HmcError ? err.transient : false;
}
