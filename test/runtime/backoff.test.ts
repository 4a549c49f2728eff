import { exponentialBackoff } from '../../src/runtime/backoff.js';

describe('exponentialBackoff', () => {
  test('doubles from the base and caps at the maximum', () => {
    const backoff = exponentialBackoff({ baseMs: 5, maxMs: 100, jitter: 0 });
    expect([0, 1, 2, 3, 4, 5, 6, 2000].map(backoff)).toEqual([5, 10, 20, 40, 80, 100, 100, 100]);
  });

  test('jitter subtracts up to its fraction of the capped delay, never exceeding the cap', () => {
    const low = exponentialBackoff({ baseMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0.999999 });
    const none = exponentialBackoff({ baseMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0 });
    expect(low(10)).toBeCloseTo(500, 2);
    expect(none(10)).toBe(1000);
    expect(low(0)).toBeCloseTo(50, 2);
  });

  test('rejects nonsensical options', () => {
    expect(() => exponentialBackoff({ baseMs: 10, maxMs: 5, jitter: 0 })).toThrow(RangeError);
    expect(() => exponentialBackoff({ baseMs: 1, maxMs: 5, jitter: 2 })).toThrow(RangeError);
  });
});
