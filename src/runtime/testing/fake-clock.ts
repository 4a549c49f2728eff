import type { Clock } from '../clock.js';

interface Sleeper {
  readonly deadline: number;
  readonly resolve: () => void;
}

/** Lets the event loop run the callbacks of resolved promises (and their follow-up I/O-free work). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A manually advanced clock for tests. `advance(ms)` walks through every sleeper deadline in order,
 * resolving it and letting the event loop settle, so chains of sleeps behave as with real time.
 */
export class FakeClock implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper: Sleeper = { deadline: this.current + Math.max(0, ms), resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Number of pending sleeps (useful to assert that a timer is armed or cancelled). */
  pendingSleeps(): number {
    return this.sleepers.length;
  }

  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      const due = this.sleepers
        .filter((s) => s.deadline <= target)
        .sort((a, b) => a.deadline - b.deadline)[0];
      if (!due) break;
      this.current = Math.max(this.current, due.deadline);
      this.sleepers = this.sleepers.filter((s) => s !== due);
      due.resolve();
      await settle();
    }
    this.current = target;
    await settle();
  }
}
