import type { Clock } from './clock.js';

export interface TokenBucketOptions {
  /** Tokens added per second. */
  readonly qps: number;
  /** Bucket size (and initial fill). */
  readonly burst: number;
}

/**
 * A token bucket with reservation semantics like Go's `rate.Limiter.Reserve().Delay()` (client-go's
 * `BucketRateLimiter`): every call takes one token, possibly going into debt, and returns how long
 * the caller must wait for that token.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly options: TokenBucketOptions,
    private readonly clock: Clock,
  ) {
    if (!(options.qps > 0) || !(options.burst >= 1))
      throw new RangeError('token bucket needs qps > 0, burst >= 1');
    this.tokens = options.burst;
    this.last = clock.now();
  }

  /** Takes one token; returns the delay in ms until it is really available (0 when in budget). */
  reserve(): number {
    const now = this.clock.now();
    const elapsedS = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.options.burst, this.tokens + elapsedS * this.options.qps);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.options.qps) * 1000;
  }
}
