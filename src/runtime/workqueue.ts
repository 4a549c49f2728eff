import { exponentialBackoff } from './backoff.js';
import { realClock, type Clock } from './clock.js';
import { TokenBucket } from './token-bucket.js';

/** Structural subset of prom-client's Gauge/Counter children, so tests may pass plain objects. */
export interface WorkQueueMetrics {
  readonly depth?: { set(value: number): void };
  readonly adds?: { inc(): void };
  readonly retries?: { inc(): void };
}

export interface WorkQueueOptions {
  readonly clock?: Clock;
  /** Per-key exponential backoff for `addRateLimited`; client-go default 5 ms -> 1000 s. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Fraction of the per-key delay that may be randomly removed (0 = none). Default 0.1. */
  readonly jitter?: number;
  readonly random?: () => number;
  /** Global token bucket shared by all keys; client-go default 10 qps, burst 100. */
  readonly qps?: number;
  readonly burst?: number;
  readonly metrics?: WorkQueueMetrics;
  /**
   * Order of ready keys: lower first, FIFO among equals (default: FIFO). Read when a key becomes ready. Lets a
   * controller finish work it started before taking new work (e.g. the oldest object first).
   */
  readonly priority?: (key: string) => number;
}

export interface RunWorkersOptions {
  /** Called when the handler rejects; the key has already been re-queued rate-limited. */
  readonly onError?: (key: string, error: unknown) => void;
}

/**
 * A rate-limiting, delaying work queue with client-go / controller-runtime semantics:
 * - a key is queued at most once (`dirty` set) and handed to at most one worker at a time
 *   (`processing` set); an `add` while the key is processing re-queues it once, on `done`;
 * - `addAfter` keeps only the earliest pending deadline per key;
 * - `addRateLimited` waits max(per-key exponential backoff, global token bucket); `forget` resets
 *   the per-key backoff and must only be called after success.
 * Every key returned by `get` must be passed to `done`.
 */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private readonly backoff: (attempt: number) => number;
  private readonly bucket: TokenBucket;
  private readonly metrics: WorkQueueMetrics;
  private readonly priority: ((key: string) => number) | undefined;
  /** Priorities of the queued keys, index for index (only with a priority function). */
  private readonly ranks: number[] = [];
  private waiters: Array<() => void> = [];
  private timer: AbortController | undefined;
  private shuttingDown = false;
  private draining = false;
  private drained: Array<() => void> = [];

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.backoff = exponentialBackoff({
      baseMs: options.baseDelayMs ?? 5,
      maxMs: options.maxDelayMs ?? 1_000_000,
      jitter: options.jitter ?? 0.1,
      random: options.random,
    });
    this.bucket = new TokenBucket({ qps: options.qps ?? 10, burst: options.burst ?? 100 }, this.clock);
    this.metrics = options.metrics ?? {};
    this.priority = options.priority;
  }

  /** Queues `key` unless it is already queued; ignored after shutdown. */
  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.dirty.has(key)) return;
    this.metrics.adds?.inc();
    this.dirty.add(key);
    if (this.processing.has(key)) return; // re-queued by done()
    this.push(key);
  }

  /** Queues `key` after `ms`; if the key already waits, the earlier deadline wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const deadline = this.clock.now() + ms;
    const existing = this.waiting.get(key);
    if (existing !== undefined && existing <= deadline) return;
    this.waiting.set(key, deadline);
    this.armTimer();
  }

  /** Re-queues `key` after its backoff (which grows with each call until `forget`). */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    const attempt = this.failures.get(key) ?? 0;
    this.failures.set(key, attempt + 1);
    this.metrics.retries?.inc();
    const delay = Math.max(this.backoff(attempt), this.bucket.reserve());
    this.addAfter(key, delay);
  }

  /** Resets the per-key backoff. Call only after the key was processed successfully. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How many times `key` was rate-limited since the last `forget`. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /**
   * Waits for the next key and marks it processing. Resolves `undefined` once the queue is shut down
   * (after `shutDownWithDrain`, only when nothing is queued any more).
   */
  async get(): Promise<string | undefined> {
    for (;;) {
      if (this.shuttingDown && !this.draining) return undefined;
      const key = this.queue.shift();
      if (this.priority) this.ranks.shift();
      if (key !== undefined) {
        this.processing.add(key);
        this.dirty.delete(key);
        this.metrics.depth?.set(this.queue.length);
        return key;
      }
      if (this.shuttingDown) return undefined;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Marks `key` finished; if it was added meanwhile it goes back into the queue now. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.push(key);
    this.checkDrained();
  }

  /** Number of keys ready to be handed out (not counting delayed or processing keys). */
  len(): number {
    return this.queue.length;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops accepting keys; waiting and future `get` calls resolve `undefined` right away. */
  shutDown(): void {
    this.shuttingDown = true;
    this.draining = false;
    this.stopTimer();
    this.wakeAll();
    this.checkDrained();
  }

  /**
   * Stops accepting keys, keeps handing out the already queued ones, and resolves once the queue is
   * empty and every key handed out has been `done`.
   */
  shutDownWithDrain(): Promise<void> {
    const promise = new Promise<void>((resolve) => this.drained.push(resolve));
    if (!this.shuttingDown) {
      this.shuttingDown = true;
      this.draining = true;
    }
    this.stopTimer();
    this.wakeAll();
    this.checkDrained();
    return promise;
  }

  /**
   * Runs `n` workers until the queue shuts down or `signal` aborts (which calls `shutDown`; in-flight
   * handlers finish). A handler that resolves marks success (`forget`); one that rejects re-queues
   * the key rate-limited. Resolves when all workers have exited.
   */
  async runWorkers(
    n: number,
    handler: (key: string) => Promise<void>,
    signal?: AbortSignal,
    options: RunWorkersOptions = {},
  ): Promise<void> {
    const onAbort = (): void => this.shutDown();
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const worker = async (): Promise<void> => {
      for (let key = await this.get(); key !== undefined; key = await this.get()) {
        try {
          await handler(key);
          this.forget(key);
        } catch (error) {
          this.addRateLimited(key);
          options.onError?.(key, error);
        } finally {
          this.done(key);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: n }, worker));
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private push(key: string): void {
    if (this.priority) {
      // After every queued key of the same or a lower rank (binary search): FIFO among equals.
      const r = this.priority(key);
      const rank = Number.isNaN(r) ? Infinity : r;
      let lo = 0;
      let hi = this.ranks.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.ranks[mid]! <= rank) lo = mid + 1;
        else hi = mid;
      }
      this.queue.splice(lo, 0, key);
      this.ranks.splice(lo, 0, rank);
    } else this.queue.push(key);
    this.metrics.depth?.set(this.queue.length);
    this.waiters.shift()?.();
  }

  private wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private checkDrained(): void {
    if (!this.shuttingDown) return;
    if (this.draining && (this.queue.length > 0 || this.processing.size > 0)) return;
    if (!this.draining && this.processing.size > 0) return;
    const drained = this.drained;
    this.drained = [];
    for (const resolve of drained) resolve();
  }

  /** One timer for all delayed keys, armed for the earliest deadline. */
  private armTimer(): void {
    this.stopTimer();
    let earliest = Infinity;
    for (const deadline of this.waiting.values()) earliest = Math.min(earliest, deadline);
    if (earliest === Infinity) return;
    const timer = new AbortController();
    this.timer = timer;
    void this.clock.sleep(earliest - this.clock.now(), timer.signal).then(() => {
      if (timer.signal.aborted) return;
      this.timer = undefined;
      const now = this.clock.now();
      for (const [key, deadline] of this.waiting) {
        if (deadline <= now) {
          this.waiting.delete(key);
          this.add(key);
        }
      }
      this.armTimer();
    });
  }

  private stopTimer(): void {
    this.timer?.abort();
    this.timer = undefined;
  }
}
