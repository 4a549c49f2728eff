// Sessions never leak: every logon is recorded in a ledger before use and released after logoff, and a
// new session logs off what a killed predecessor left recorded. A refused logon re-reads the password
// once. Retries follow HmcError.transient.
import https from 'node:https';
import type { RunningSimulator } from '../../src/hmc-simulator/index.js';
import {
  HmcConnectionError,
  HmcError,
  HmcHttpError,
  HmcTimeoutError,
  HmcTlsError,
} from '../../src/hmc/errors.js';
import { retryable } from '../../src/hmc/retry-policy.js';
import type { RecordedSession, SessionLedger } from '../../src/hmc/session-ledger.js';
import { HmcSession } from '../../src/hmc/session.js';
import { routeCount, startSim } from './helpers.js';

class MemoryLedger implements SessionLedger {
  readonly sessions = new Map<string, RecordedSession>();
  async recorded(): Promise<readonly RecordedSession[]> {
    return [...this.sessions.values()];
  }
  async record(s: RecordedSession): Promise<void> {
    this.sessions.set(s.sessionId, s);
  }
  async release(sessionId: string): Promise<void> {
    this.sessions.delete(sessionId);
  }
}

/** HTTP status of GET /api/cpcs with this session id, sent past the client (what the HMC thinks of it). */
function statusWith(sim: RunningSimulator, sessionId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL('/api/cpcs', sim.url),
      { ca: sim.caPem, headers: { 'X-API-Session': sessionId }, agent: false },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSim({ password: 'rotated-password' });
});
afterAll(async () => {
  await sim.stop();
});

const session = (ledger: SessionLedger, extra: Partial<ConstructorParameters<typeof HmcSession>[0]> = {}) =>
  new HmcSession({
    hosts: [sim.url],
    userid: sim.userid,
    password: 'rotated-password',
    ca: sim.caPem,
    ledger,
    ...extra,
  });

describe('session ledger', () => {
  test('a logon is recorded before use and released by the logoff', async () => {
    const ledger = new MemoryLedger();
    const s = session(ledger);
    const info = await s.logon();
    expect([...ledger.sessions.keys()]).toEqual([info.sessionId]);
    expect(ledger.sessions.get(info.sessionId)?.baseUrl).toBe(info.baseUrl);
    await s.close();
    expect(ledger.sessions.size).toBe(0);
    expect(await statusWith(sim, info.sessionId)).toBe(403);
  });

  test('a successor logs off the session a killed process left, before logging on', async () => {
    const ledger = new MemoryLedger();
    const killed = session(ledger);
    const left = await killed.logon(); // never closed: the process "died"
    expect(await statusWith(sim, left.sessionId)).toBe(200);
    await sim.admin.resetStats();

    const successor = session(ledger);
    const mine = await successor.logon();
    expect(await statusWith(sim, left.sessionId)).toBe(403); // logged off
    expect(await routeCount(sim, 'DELETE /api/sessions/this-session')).toBe(1);
    expect([...ledger.sessions.keys()]).toEqual([mine.sessionId]);
    await successor.close();
    expect(ledger.sessions.size).toBe(0);
  });

  test('a recorded session that already expired is just released', async () => {
    const ledger = new MemoryLedger();
    await ledger.record({ baseUrl: new URL(sim.url).origin, sessionId: 'expired-long-ago' });
    const s = session(ledger);
    const mine = await s.logon();
    expect([...ledger.sessions.keys()]).toEqual([mine.sessionId]);
    await s.close();
  });

  test('an expired session (403.5) is released and the new one recorded', async () => {
    const ledger = new MemoryLedger();
    const s = session(ledger);
    const first = await s.logon();
    await sim.admin.expireSessions(first.sessionId);
    await s.get('/api/cpcs');
    const second = s.sessionInfo!.sessionId;
    expect(second).not.toBe(first.sessionId);
    expect([...ledger.sessions.keys()]).toEqual([second]);
    await s.close();
  });
});

describe('credential rotation', () => {
  test('a refused logon re-reads the password once and logs on with it', async () => {
    await sim.admin.resetStats();
    let reads = 0;
    const s = session(new MemoryLedger(), {
      password: 'stale-password',
      refreshPassword: async () => {
        reads++;
        return 'rotated-password';
      },
    });
    await s.logon();
    expect(reads).toBe(1);
    const stats = await sim.admin.stats();
    expect(stats.routes['POST /api/sessions']).toEqual({ count: 2, errors: 1 });
    await s.close();
  });

  test('an unchanged password is not tried twice', async () => {
    await sim.admin.resetStats();
    const s = session(new MemoryLedger(), {
      password: 'stale-password',
      refreshPassword: async () => 'stale-password',
    });
    await expect(s.logon()).rejects.toMatchObject({ httpStatus: 403 });
    expect(await routeCount(sim, 'POST /api/sessions')).toBe(1);
    await s.close();
  });

  test('setPassword is used from the next logon on', async () => {
    const s = session(new MemoryLedger(), { password: 'stale-password' });
    s.setPassword('rotated-password');
    await expect(s.logon()).resolves.toMatchObject({ sessionId: expect.any(String) });
    await s.close();
  });
});

describe('retries follow HmcError.transient', () => {
  const http = (httpStatus: number, reason = 0) =>
    new HmcHttpError({ httpStatus, reason, message: 'x', requestMethod: 'GET', requestUri: '/api/x' });
  const conn = (beforeSend: boolean) => new HmcConnectionError({ host: 'h', message: 'x', beforeSend });
  const timeout = new HmcTimeoutError({ timeoutMs: 1, requestMethod: 'GET', requestUri: '/api/x' });

  test.each([
    ['503', http(503), true, false],
    ['409.2 busy', http(409, 2), true, true],
    ['400', http(400), false, false],
    ['404', http(404), false, false],
    ['connection refused before sending', conn(true), true, true],
    ['reset after sending', conn(false), true, false],
    ['timeout', timeout, true, false],
    ['TLS', new HmcTlsError({ host: 'h', message: 'x', beforeSend: true }), false, false],
  ])('%s: idempotent %s, otherwise %s', (_name, err, idempotent, other) => {
    expect(retryable(err, true)).toBe(idempotent);
    expect(retryable(err, false)).toBe(other);
  });

  test('any error class: transient decides', () => {
    class Flaky extends HmcError {
      readonly code = 'FLAKY';
      constructor(readonly transient: boolean) {
        super('flaky');
      }
    }
    expect(retryable(new Flaky(true), true)).toBe(true);
    expect(retryable(new Flaky(false), true)).toBe(false);
    expect(retryable(new Flaky(true), false)).toBe(false);
  });
});

test('403.5 is transient by a new logon (the session does it once), not by repeating', () => {
  const expired = new HmcHttpError({
    httpStatus: 403,
    reason: 5,
    message: 'x',
    requestMethod: 'GET',
    requestUri: '/api/x',
  });
  expect(expired.transient).toBe(true);
  expect(retryable(expired, true)).toBe(false);
});
