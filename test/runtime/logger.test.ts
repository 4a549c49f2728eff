import { Writable } from 'node:stream';
import { controllerLogger, createLogger, objectLogger } from '../../src/runtime/logger.js';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>>; raw: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return {
    stream,
    raw: () => text,
    lines: () =>
      text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('logger', () => {
  test('redacts secrets at any common depth but keeps userid', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream });
    log.info(
      {
        password: 'p1',
        token: 't1',
        authorization: 'Bearer a1',
        'X-API-Session': 's1',
        'session-credential': 'c1',
        userid: 'ops-user',
        hmc: { password: 'p2', userid: 'u2', token: 't2' },
        req: { headers: { authorization: 'Bearer a2', 'x-api-session': 's2', 'X-API-Session': 's3' } },
      },
      'logon',
    );
    const raw = out.raw();
    for (const secret of ['p1', 't1', 'a1', 's1', 'c1', 'p2', 't2', 'a2', 's2', 's3']) {
      expect(raw).not.toContain(`${secret}"`);
    }
    const [line] = out.lines();
    expect(line).toMatchObject({
      msg: 'logon',
      password: '[REDACTED]',
      userid: 'ops-user',
      hmc: { password: '[REDACTED]', userid: 'u2' },
      req: { headers: { authorization: '[REDACTED]' } },
    });
  });

  test('honours the level option', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream, level: 'warn' });
    log.info('hidden');
    log.warn('shown');
    expect(out.lines().map((l) => l.msg)).toEqual(['shown']);
  });

  test('child loggers carry controller, namespace and name', () => {
    const out = capture();
    const log = objectLogger(
      controllerLogger(createLogger({ destination: out.stream }), 'partition'),
      'ns1',
      'lpar1',
    );
    log.info({ password: 'x' }, 'reconciling');
    expect(out.lines()[0]).toMatchObject({
      controller: 'partition',
      namespace: 'ns1',
      name: 'lpar1',
      password: '[REDACTED]',
      msg: 'reconciling',
    });
  });
});
