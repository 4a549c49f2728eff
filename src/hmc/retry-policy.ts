import type { BackoffPolicy } from './backoff.js';
import { HmcConnectionError, isBusy, isSessionExpired, type HmcError } from './errors.js';

export interface RetryPolicy extends BackoffPolicy {
  /** Total attempts of one request, including the first (>= 1). */
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseMs: 200, maxMs: 5000 };

/**
 * Retry rules, driven by `HmcError.transient` (a later repeat may succeed): idempotent requests are
 * repeated on any transient error; others only when the HMC cannot have acted on them (connection refused
 * before sending, 409.2 busy rejection). Never: TLS verification failures, other 4xx (not transient).
 */
export function retryable(err: HmcError, idempotent: boolean): boolean {
  // 403.4/403.5 is transient by a new logon, which the session does once itself; not by repeating.
  if (!err.transient || isSessionExpired(err)) return false;
  if (idempotent) return true;
  return isBusy(err) || (err instanceof HmcConnectionError && err.beforeSend);
}
