import { FakeClock, settle } from '../../src/runtime/testing/fake-clock.js';
import { WorkQueue, type WorkQueueOptions } from '../../src/runtime/workqueue.js';

function makeQueue(options: WorkQueueOptions = {}): { queue: WorkQueue; clock: FakeClock } {
  const clock = new FakeClock();
  // No jitter so the backoff sequence is exact; a large bucket so it never dominates unless asked.
  const queue = new WorkQueue({ clock, jitter: 0, qps: 1000, burst: 1000, ...options });
  return { queue, clock };
}

/** Resolves with the next key or 'pending' if `get` is still waiting after the event loop settles. */
async function getNow(queue: WorkQueue): Promise<string | undefined | 'pending'> {
  return Promise.race([queue.get(), settle().then(() => 'pending' as const)]);
}

describe('WorkQueue', () => {
  test('deduplicates keys that are queued but not yet processing', async () => {
    const { queue } = makeQueue();
    queue.add('ns/a');
    queue.add('ns/b');
    queue.add('ns/a');
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toBe('ns/a');
    expect(await queue.get()).toBe('ns/b');
    expect(await getNow(queue)).toBe('pending');
    queue.shutDown();
  });

  test('never hands a processing key to a second worker; an add while processing re-queues it once on done', async () => {
    const { queue } = makeQueue();
    queue.add('ns/a');
    expect(await queue.get()).toBe('ns/a');
    queue.add('ns/a');
    queue.add('ns/a');
    expect(queue.len()).toBe(0);
    expect(await getNow(queue)).toBe('pending');
    queue.done('ns/a');
    expect(queue.len()).toBe(1);
    expect(await queue.get()).toBe('ns/a');
    queue.done('ns/a');
    expect(queue.len()).toBe(0);
    queue.shutDown();
  });

  test('with a priority, hands out lower ranks first and equal ranks in FIFO order, re-queues included', async () => {
    const rank: Record<string, number> = { old: 1, mid: 2, mid2: 2, new: 3 };
    const { queue } = makeQueue({ priority: (k) => rank[k] ?? NaN });
    for (const k of ['new', 'mid', 'unknown', 'old', 'mid2']) queue.add(k);
    expect(await queue.get()).toBe('old');
    queue.add('old'); // re-added while processing: back on done, ahead of the newer keys
    queue.done('old');
    const order: string[] = [];
    for (let k = await getNow(queue); typeof k === 'string' && k !== 'pending'; k = await getNow(queue)) {
      order.push(k);
      queue.done(k);
    }
    expect(order).toEqual(['old', 'mid', 'mid2', 'new', 'unknown']); // NaN ranks last
    queue.shutDown();
  });

  test('a waiting get is woken by add', async () => {
    const { queue } = makeQueue();
    const pending = queue.get();
    queue.add('k');
    await expect(pending).resolves.toBe('k');
    queue.shutDown();
  });

  test('runWorkers processes each key by one worker at a time, re-running keys added while processing', async () => {
    const { queue } = makeQueue();
    const active = new Set<string>();
    const runs: string[] = [];
    let overlaps = 0;
    const release: Array<() => void> = [];
    const handler = async (key: string): Promise<void> => {
      if (active.has(key)) overlaps++;
      active.add(key);
      runs.push(key);
      await new Promise<void>((resolve) => release.push(resolve));
      active.delete(key);
    };
    const controller = new AbortController();
    const running = queue.runWorkers(4, handler, controller.signal);
    queue.add('x');
    queue.add('y');
    await settle();
    queue.add('x'); // while x is processing
    await settle();
    expect(runs.sort()).toEqual(['x', 'y']);
    while (release.length > 0) {
      release.shift()?.();
      await settle();
    }
    expect(runs.filter((k) => k === 'x')).toHaveLength(2);
    expect(overlaps).toBe(0);
    controller.abort();
    await running;
  });

  test('addAfter keeps the earliest deadline', async () => {
    const { queue, clock } = makeQueue();
    queue.addAfter('k', 1000);
    queue.addAfter('k', 200);
    queue.addAfter('k', 5000);
    expect(queue.len()).toBe(0);
    await clock.advance(199);
    expect(queue.len()).toBe(0);
    await clock.advance(1);
    expect(queue.len()).toBe(1);
    expect(await queue.get()).toBe('k');
    queue.done('k');
    await clock.advance(10_000);
    expect(queue.len()).toBe(0); // the later deadlines were dropped, not kept as extra adds
    queue.shutDown();
  });

  test('addAfter with several keys fires each at its own deadline', async () => {
    const { queue, clock } = makeQueue();
    queue.addAfter('late', 300);
    queue.addAfter('early', 100);
    await clock.advance(100);
    expect(await queue.get()).toBe('early');
    expect(queue.len()).toBe(0);
    await clock.advance(200);
    expect(await queue.get()).toBe('late');
    queue.shutDown();
  });

  test('addRateLimited backs off exponentially per key, capped, and forget resets it', async () => {
    const { queue, clock } = makeQueue({ baseDelayMs: 5, maxDelayMs: 40 });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      queue.addRateLimited('k');
      const start = clock.now();
      while (queue.len() === 0) await clock.advance(1);
      delays.push(clock.now() - start);
      expect(await queue.get()).toBe('k');
      queue.done('k');
    }
    expect(delays).toEqual([5, 10, 20, 40, 40, 40]);
    expect(queue.numRequeues('k')).toBe(6);
    expect(queue.numRequeues('other')).toBe(0);
    queue.forget('k');
    expect(queue.numRequeues('k')).toBe(0);
    queue.addRateLimited('k');
    await clock.advance(4);
    expect(queue.len()).toBe(0);
    await clock.advance(1);
    expect(queue.len()).toBe(1);
    queue.shutDown();
  });

  test('jitter only shortens the delay', async () => {
    const { queue, clock } = makeQueue({
      baseDelayMs: 100,
      maxDelayMs: 1000,
      jitter: 0.5,
      random: () => 0.5,
    });
    queue.addRateLimited('k');
    await clock.advance(74);
    expect(queue.len()).toBe(0);
    await clock.advance(1);
    expect(queue.len()).toBe(1);
    queue.shutDown();
  });

  test('the global token bucket delays bursts across keys', async () => {
    const { queue, clock } = makeQueue({ baseDelayMs: 1, maxDelayMs: 1, qps: 10, burst: 2 });
    queue.addRateLimited('a'); // token 1: 1 ms
    queue.addRateLimited('b'); // token 2: 1 ms
    queue.addRateLimited('c'); // in debt: 100 ms
    await clock.advance(1);
    expect(queue.len()).toBe(2);
    await clock.advance(98);
    expect(queue.len()).toBe(2);
    await clock.advance(1);
    expect(queue.len()).toBe(3);
    queue.shutDown();
  });

  test('shutDown wakes waiting getters with undefined and ignores later adds', async () => {
    const { queue, clock } = makeQueue();
    const waiting = queue.get();
    queue.addAfter('later', 10);
    queue.shutDown();
    await expect(waiting).resolves.toBeUndefined();
    queue.add('x');
    queue.addRateLimited('y');
    await clock.advance(1000);
    expect(queue.len()).toBe(0);
    await expect(queue.get()).resolves.toBeUndefined();
  });

  test('shutDownWithDrain hands out queued keys and resolves when all are done', async () => {
    const { queue } = makeQueue();
    queue.add('a');
    queue.add('b');
    const first = await queue.get();
    let drained = false;
    const draining = queue.shutDownWithDrain().then(() => {
      drained = true;
    });
    queue.add('c'); // ignored
    expect(await queue.get()).toBe('b');
    await settle();
    expect(drained).toBe(false);
    queue.done('b');
    queue.done(first ?? '');
    await draining;
    expect(drained).toBe(true);
    await expect(queue.get()).resolves.toBeUndefined();
  });

  test('runWorkers forgets on success, re-queues rate-limited on failure, and reports metrics', async () => {
    const depth: number[] = [];
    let adds = 0;
    let retries = 0;
    const metrics = {
      depth: { set: (v: number) => depth.push(v) },
      adds: { inc: () => adds++ },
      retries: { inc: () => retries++ },
    };
    const { queue, clock } = makeQueue({ metrics, baseDelayMs: 10, maxDelayMs: 1000 });
    let calls = 0;
    const errors: string[] = [];
    const controller = new AbortController();
    const running = queue.runWorkers(
      1,
      async () => {
        calls++;
        if (calls <= 2) throw new Error(`boom ${calls}`);
      },
      controller.signal,
      { onError: (key, e) => errors.push(`${key}: ${(e as Error).message}`) },
    );
    queue.add('k');
    await settle();
    expect(queue.numRequeues('k')).toBe(1);
    await clock.advance(10);
    expect(queue.numRequeues('k')).toBe(2);
    await clock.advance(20);
    expect(calls).toBe(3);
    expect(queue.numRequeues('k')).toBe(0);
    expect(errors).toEqual(['k: boom 1', 'k: boom 2']);
    expect(retries).toBe(2);
    expect(adds).toBe(3);
    expect(depth).toContain(1);
    expect(depth[depth.length - 1]).toBe(0);
    controller.abort();
    await running;
  });
});
