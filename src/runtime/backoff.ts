export interface BackoffOptions {
  /** Delay for attempt 0, in ms. */
  readonly baseMs: number;
  /** Upper bound of the delay, in ms; jitter never pushes the result above it. */
  readonly maxMs: number;
  /**
   * Fraction (0..1) of the capped delay that may be randomly subtracted (BMO style "minus up to
   * 50%" is 0.5). 0 disables jitter.
   */
  readonly jitter: number;
  /** Random source in [0, 1); injected for deterministic tests. */
  readonly random?: () => number;
}

/**
 * Exponential backoff: `min(maxMs, baseMs * 2^attempt)` minus up to `jitter` of it. Pure apart from
 * the injected random source. `attempt` counts from 0; negative or fractional attempts are clamped
 * and floored.
 */
export function exponentialBackoff(options: BackoffOptions): (attempt: number) => number {
  const { baseMs, maxMs, jitter } = options;
  const random = options.random ?? Math.random;
  if (!(baseMs >= 0) || !(maxMs >= baseMs)) throw new RangeError('backoff needs 0 <= baseMs <= maxMs');
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError('backoff jitter must be within [0, 1]');
  return (attempt) => {
    const n = Math.max(0, Math.floor(attempt));
    // 2^n overflows to Infinity for huge n, which Math.min caps correctly.
    const capped = Math.min(maxMs, baseMs * Math.pow(2, n));
    return capped - capped * jitter * random();
  };
}
