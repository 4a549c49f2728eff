import type { BackoffPolicy } from './backoff.js';
import {
  HmcConnectionError,
  HmcHttpError,
  HmcTimeoutError,
  HmcTlsError,
  isBusy,
  type HmcError,
} from './errors.js';

export interface RetryPolicy extends BackoffPolicy {
  /** Total attempts of one request, including the first (>= 1). */
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseMs: 200, maxMs: 5000 };

/**
 * Retry rules. Any request: connection refused before sending, and 409.2 (busy: the HMC rejected
 * the request without acting on it). Idempotent requests also: 5xx, resets after sending, timeouts.
 * Never: TLS verification failures, other 4xx.
 */
export function retryable(err: HmcError, idempotent: boolean): boolean {
  if (err instanceof HmcTlsError) return false;
  if (err instanceof HmcHttpError) return (idempotent && err.httpStatus >= 500) || isBusy(err);
  if (err instanceof HmcConnectionError) return err.beforeSend || idempotent;
  if (err instanceof HmcTimeoutError) return idempotent;
  return false;
}
