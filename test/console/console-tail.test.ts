// The console tail of a failed start: newest lines, bounded, one request, never an exception.
import {
  fetchConsoleTail,
  formatConsoleTail,
  withConsoleTail,
  type OsMessageSource,
} from '../../src/controllers/partition/console-tail.js';
import type { OsMessageInfo } from '../../src/hmc/os-messages.js';

const msg = (seq: number, text: string): OsMessageInfo => ({
  'sequence-number': seq,
  'message-id': seq,
  'message-text': text,
});

describe('formatConsoleTail', () => {
  it('keeps the newest 5 lines in sequence order, one line each', () => {
    const ms = [8, 1, 2, 3, 4, 5, 6, 7].map((n) => msg(n, `line ${n}\n`));
    expect(formatConsoleTail(ms)).toBe('line 4 | line 5 | line 6 | line 7 | line 8');
  });

  it('splits multi-line messages, drops blank lines and control characters', () => {
    const ms = [msg(0, 'a\n\n  b  '), msg(1, '\u001b[31mred\u001b[0m\r'), msg(2, '   ')];
    expect(formatConsoleTail(ms)).toBe('a | b | [31mred [0m');
  });

  it('bounds each line and the whole text, dropping the oldest lines first', () => {
    const long = 'x'.repeat(500);
    const one = formatConsoleTail([msg(0, long)]);
    expect(one).toBe(`${'x'.repeat(159)}…`);
    const ms = [0, 1, 2, 3, 4].map((n) => msg(n, `${n}${'y'.repeat(200)}`));
    const text = formatConsoleTail(ms);
    expect(text.length).toBeLessThanOrEqual(600);
    expect(text.split(' | ').map((l) => l[0])).toEqual(['2', '3', '4']);
    const tight = formatConsoleTail([msg(0, long)], { lines: 5, lineChars: 500, totalChars: 100 });
    expect(tight).toHaveLength(100);
  });

  it('is empty without messages', () => {
    expect(formatConsoleTail([])).toBe('');
  });
});

describe('fetchConsoleTail', () => {
  it('uses exactly one List OS Messages request', async () => {
    const calls: string[] = [];
    const src: OsMessageSource = {
      list: (uri) => {
        calls.push(uri);
        return Promise.resolve([
          msg(0, 'IPL from FCP device 0.0.1800'),
          msg(1, 'Kernel panic - not syncing'),
        ]);
      },
    };
    const tail = await fetchConsoleTail(src, '/api/partitions/p1');
    expect(calls).toEqual(['/api/partitions/p1']);
    expect(tail).toEqual({ kind: 'tail', text: 'IPL from FCP device 0.0.1800 | Kernel panic - not syncing' });
    expect(withConsoleTail('start failed: HTTP 409.131', tail)).toBe(
      'start failed: HTTP 409.131; last OS messages: IPL from FCP device 0.0.1800 | Kernel panic - not syncing',
    );
  });

  it('reports an unavailable console instead of throwing, and leaves the message alone', async () => {
    const tail = await fetchConsoleTail({ list: () => Promise.reject(new Error('HTTP 409.332')) }, '/p');
    expect(tail).toEqual({ kind: 'unavailable', why: 'HTTP 409.332' });
    expect(withConsoleTail('m', tail)).toBe('m');
    expect(withConsoleTail('m', await fetchConsoleTail({ list: () => Promise.resolve([]) }, '/p'))).toBe('m');
  });
});
