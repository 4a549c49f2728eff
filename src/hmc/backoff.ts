/** Capped exponential backoff with jitter, and an injectable clock. */

export interface BackoffPolicy {
  /** Delay before the first retry, in ms. */
  readonly baseMs: number;
  /** Upper bound of any delay, in ms. */
  readonly maxMs: number;
  /** Growth factor per attempt (default 2). */
  readonly factor?: number;
}

/** `delay(ms)` that tests may replace; resolves early (without throwing) if the signal aborts. */
export type DelayFn = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realDelay: DelayFn = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * The delay before retry number `attempt` (1 = first retry): "equal jitter", i.e. uniformly in
 * [cap/2, cap] where cap = min(maxMs, baseMs * factor^(attempt-1)). Never zero, never above maxMs.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const factor = policy.factor ?? 2;
  const cap = Math.min(policy.maxMs, policy.baseMs * Math.pow(factor, Math.max(0, attempt - 1)));
  return Math.round(cap / 2 + (random() * cap) / 2);
}
