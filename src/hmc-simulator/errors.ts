// Typed HMC errors raised by route handlers and turned into WS API error bodies.

/** An HMC WS API error: HTTP status plus the HMC reason code. */
export class HmcApiError extends Error {
  override readonly name = 'HmcApiError';
  constructor(
    readonly httpStatus: number,
    readonly reason: number,
    message: string,
  ) {
    super(message);
  }
}

/** 400.x: request validation failed (5 missing field, 6 read-only/unknown, 7 bad value, 8 not unique, 9 bad JSON). */
export const badRequest = (reason: number, message: string): HmcApiError =>
  new HmcApiError(400, reason, message);
/** 404.1: no object with that URI. */
export const notFound = (uri: string): HmcApiError =>
  new HmcApiError(404, 1, `No object found for URI ${uri}`);
/** 409.x: 1 = wrong state, 2 = busy, 40 = job not ended. */
export const conflict = (reason: number, message: string): HmcApiError =>
  new HmcApiError(409, reason, message);
/** 403.x: 0 = logon failed, 4 = no session header, 5 = session invalid/expired. */
export const forbidden = (reason: number, message: string): HmcApiError =>
  new HmcApiError(403, reason, message);

/** The WS API error body. */
export interface ErrorBody {
  'http-status': number;
  reason: number;
  message: string;
  'request-method': string;
  'request-uri': string;
}

export function errorBody(err: HmcApiError, method: string, uri: string): ErrorBody {
  return {
    'http-status': err.httpStatus,
    reason: err.reason,
    message: err.message,
    'request-method': method,
    'request-uri': uri,
  };
}
