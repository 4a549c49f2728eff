import type { RunningSimulator } from '../../src/hmc-simulator/index.js';
import { Registry } from 'prom-client';
import {
  HmcConnectionError,
  HmcHttpError,
  HmcTimeoutError,
  isBusy,
  isNotFound,
  isWrongState,
} from '../../src/hmc/errors.js';
import { HmcSession } from '../../src/hmc/session.js';
import { CPC_URI, LogCapture, recordingDelay, routeCount, startSim } from './helpers.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSim({ jobDurationMs: 100 });
});
afterAll(async () => {
  await sim.stop();
});
afterEach(async () => {
  await sim.admin.clearFaults();
});

function session(extra: Partial<ConstructorParameters<typeof HmcSession>[0]> = {}): HmcSession {
  return new HmcSession({
    hosts: [sim.url],
    userid: sim.userid,
    password: sim.password,
    ca: sim.caPem,
    ...extra,
  });
}

describe('logon and logoff', () => {
  test('logs on once, sends the session header, logs off on close', async () => {
    await sim.admin.resetStats();
    const s = session();
    const info = await s.logon();
    expect(info.notificationTopic).not.toBe('');
    expect(info.jobNotificationTopic).not.toBe('');
    expect(info.sessionCredential).not.toBe('');
    await s.get(CPC_URI);
    await s.get(`${CPC_URI}/partitions`);
    await s.close();
    const stats = await sim.admin.stats();
    expect(stats.routes['POST /api/sessions']).toEqual({ count: 1, errors: 0 });
    expect(stats.routes['GET /api/cpcs/{id}']).toEqual({ count: 1, errors: 0 });
    expect(stats.routes['DELETE /api/sessions/this-session']).toEqual({ count: 1, errors: 0 });
    await expect(s.get(CPC_URI)).rejects.toMatchObject({ code: 'HMC_CLIENT_CLOSED' });
  });

  test('wrong password: 403.0, no retry', async () => {
    await sim.admin.resetStats();
    const s = session({ password: 'wrong-password', delay: recordingDelay().delay });
    const err = await s.logon().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HmcHttpError);
    expect(err).toMatchObject({
      httpStatus: 403,
      reason: 0,
      requestMethod: 'POST',
      requestUri: '/api/sessions',
    });
    expect(await routeCount(sim, 'POST /api/sessions')).toBe(1);
    await s.close();
  });
});

describe('retries', () => {
  const route = 'GET /api/cpcs/{id}';

  test.each([
    [500, 0],
    [503, 0],
    [409, 2],
  ])('GET retried on %i.%i with a bound (4 attempts), backoff capped', async (httpStatus, reason) => {
    await sim.admin.resetStats();
    const rec = recordingDelay();
    const s = session({ delay: rec.delay, retry: { maxAttempts: 4, baseMs: 100, maxMs: 300 } });
    await sim.admin.setFaults([{ route, kind: 'error', httpStatus, reason }]);
    const err = await s.get(CPC_URI).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'HmcHttpError', httpStatus, reason });
    expect(await routeCount(sim, route)).toBe(4);
    expect(rec.waits).toHaveLength(3);
    // equal jitter: attempt n waits in [cap/2, cap], cap = min(300, 100 * 2^(n-1))
    expect(rec.waits[0]).toBeGreaterThanOrEqual(50);
    expect(rec.waits[0]).toBeLessThanOrEqual(100);
    expect(rec.waits[1]).toBeGreaterThanOrEqual(100);
    expect(rec.waits[1]).toBeLessThanOrEqual(200);
    expect(rec.waits[2]).toBeGreaterThanOrEqual(150);
    expect(rec.waits[2]).toBeLessThanOrEqual(300);
    await s.close();
  });

  test('a transient 503 that clears is hidden from the caller', async () => {
    await sim.admin.resetStats();
    const s = session({ delay: recordingDelay().delay });
    await sim.admin.setFaults([{ route, kind: 'error', httpStatus: 503, reason: 0, count: 2 }]);
    const cpc = await s.get<{ name: string }>(`${CPC_URI}?properties=name`);
    expect(cpc.name).toBe('CPCZ16A');
    expect(await sim.admin.stats()).toMatchObject({ routes: { [route]: { count: 3, errors: 2 } } });
    await s.close();
  });

  test.each([
    [400, 1, 'bad request'],
    [404, 1, 'not found'],
    [409, 1, 'wrong state'],
    [403, 1, 'not authorized'],
  ])('%i.%i (%s) is not retried', async (httpStatus, reason) => {
    await sim.admin.resetStats();
    const rec = recordingDelay();
    const s = session({ delay: rec.delay });
    await sim.admin.setFaults([{ route, kind: 'error', httpStatus, reason }]);
    const err = await s.get(CPC_URI).catch((e: unknown) => e);
    expect(err).toMatchObject({ httpStatus, reason, requestMethod: 'GET', requestUri: CPC_URI });
    expect((err as HmcHttpError).hmcMessage).toBe(`Injected fault ${httpStatus}.${reason}`);
    expect(isNotFound(err)).toBe(httpStatus === 404);
    expect(isWrongState(err)).toBe(httpStatus === 409);
    expect(isBusy(err)).toBe(false);
    expect(await routeCount(sim, route)).toBe(1);
    expect(rec.waits).toEqual([]);
    await s.close();
  });

  test('500 on a create POST is not retried; 409.2 busy on it is (the HMC did not act)', async () => {
    await sim.admin.resetStats();
    const s = session({ delay: recordingDelay().delay });
    const create = 'POST /api/cpcs/{id}/partitions';
    const body = { name: 'retry-post', 'initial-memory': 1024, 'maximum-memory': 1024, 'ifl-processors': 1 };
    await sim.admin.setFaults([{ route: create, kind: 'error', httpStatus: 500, reason: 0 }]);
    await expect(s.post(`${CPC_URI}/partitions`, body)).rejects.toMatchObject({ httpStatus: 500 });
    expect(await routeCount(sim, create)).toBe(1);

    await sim.admin.setFaults([{ route: create, kind: 'error', httpStatus: 409, reason: 2, count: 2 }]);
    const res = await s.post<{ 'object-uri': string }>(`${CPC_URI}/partitions`, body);
    expect(res.status).toBe(201);
    expect(await routeCount(sim, create)).toBe(4);
    await s.delete(res.body['object-uri']);
    await s.close();
  });

  test('connection reset: GET retried, create POST not (and nothing was created twice)', async () => {
    await sim.admin.resetStats();
    const s = session({ delay: recordingDelay().delay });
    await sim.admin.setFaults([{ route, kind: 'reset', count: 1 }]);
    await expect(s.get<{ name: string }>(CPC_URI)).resolves.toMatchObject({ name: 'CPCZ16A' });
    expect(await routeCount(sim, route)).toBe(2);

    const create = 'POST /api/cpcs/{id}/partitions';
    await sim.admin.setFaults([{ route: create, kind: 'reset', count: 1 }]);
    const body = { name: 'reset-post', 'initial-memory': 1024, 'maximum-memory': 1024, 'ifl-processors': 1 };
    const err = await s.post(`${CPC_URI}/partitions`, body).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HmcConnectionError);
    expect(err).toMatchObject({ beforeSend: false, code: 'HMC_CONNECTION_ERROR' });
    expect(await routeCount(sim, create)).toBe(1);
    const list = await s.get<{ partitions: unknown[] }>(`${CPC_URI}/partitions?name=reset-post`);
    expect(list.partitions).toHaveLength(0);
    await s.close();
  });

  test('latency below the timeout succeeds; above it times out with a bounded number of attempts', async () => {
    await sim.admin.resetStats();
    const s = session({ requestTimeoutMs: 300, delay: recordingDelay().delay, retry: { maxAttempts: 2 } });
    await sim.admin.setFaults([{ route, kind: 'latency', ms: 100 }]);
    await expect(s.get(CPC_URI)).resolves.toMatchObject({ name: 'CPCZ16A' });
    await sim.admin.setFaults([{ route, kind: 'latency', ms: 1200 }]);
    const started = Date.now();
    const err = await s.get(CPC_URI).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HmcTimeoutError);
    expect(err).toMatchObject({ code: 'HMC_TIMEOUT', timeoutMs: 300, requestUri: CPC_URI });
    expect(Date.now() - started).toBeLessThan(1100); // 2 attempts x 300 ms, not 1200 ms
    // The simulator still finishes the abandoned attempts; let them land before the next test's stats.
    await new Promise((r) => setTimeout(r, 1000));
    await s.close();
  });
});

describe('session expiry', () => {
  test('403.5 -> exactly one re-logon and one repeat of the request', async () => {
    const logs = new LogCapture();
    const registry = new Registry();
    const s = session({ logger: logs.logger, metricsRegistry: registry });
    const first = await s.logon();
    await sim.admin.resetStats();
    await sim.admin.expireSessions(first.sessionId);
    await expect(s.get(CPC_URI)).resolves.toMatchObject({ name: 'CPCZ16A' });
    const stats = await sim.admin.stats();
    expect(stats.routes['POST /api/sessions']).toEqual({ count: 1, errors: 0 });
    expect(stats.routes['GET /api/cpcs/{id}']).toEqual({ count: 2, errors: 1 });
    expect(s.sessionInfo?.sessionId).not.toBe(first.sessionId);
    const relogons = await registry.getSingleMetric('hmc_relogons_total')?.get();
    expect(relogons?.values[0]?.value).toBe(1);
    await s.close();
  });

  test('concurrent requests on an expired session share one re-logon', async () => {
    const s = session();
    const first = await s.logon();
    await sim.admin.resetStats();
    await sim.admin.expireSessions(first.sessionId);
    await Promise.all(Array.from({ length: 5 }, () => s.get(CPC_URI)));
    const stats = await sim.admin.stats();
    expect(stats.routes['POST /api/sessions']?.count).toBe(1);
    expect(stats.routes['GET /api/cpcs/{id}']).toEqual({ count: 10, errors: 5 });
    await s.close();
  });

  test('a session that keeps expiring fails after the one re-logon (no loop)', async () => {
    const s = session();
    await s.logon();
    await sim.admin.resetStats();
    await sim.admin.setFaults([{ route: 'GET /api/cpcs/{id}', kind: 'error', httpStatus: 403, reason: 5 }]);
    await expect(s.get(CPC_URI)).rejects.toMatchObject({ httpStatus: 403, reason: 5 });
    const stats = await sim.admin.stats();
    expect(stats.routes['POST /api/sessions']?.count).toBe(1);
    expect(stats.routes['GET /api/cpcs/{id}']?.count).toBe(2);
    await s.close();
  });
});

describe('concurrency limit, metrics, logs', () => {
  test('at most maxConcurrency requests are in flight', async () => {
    const s = session({ maxConcurrency: 2 });
    await s.logon();
    await sim.admin.setFaults([{ route: 'GET /api/cpcs/{id}', kind: 'latency', ms: 150 }]);
    const started = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => s.get(CPC_URI)));
    // 6 requests, 2 at a time, 150 ms each: at least 3 rounds.
    expect(Date.now() - started).toBeGreaterThanOrEqual(440);
    await s.close();
  });

  test('metrics by route template and status; credentials never logged', async () => {
    const logs = new LogCapture();
    const registry = new Registry();
    const s = session({ logger: logs.logger, metricsRegistry: registry, delay: recordingDelay().delay });
    const info = await s.logon();
    await s.get(CPC_URI);
    await sim.admin.setFaults([
      { route: 'GET /api/cpcs/{id}', kind: 'error', httpStatus: 503, reason: 0, count: 1 },
    ]);
    await s.get(CPC_URI);
    await sim.admin.expireSessions(info.sessionId);
    await s.get(CPC_URI);
    const renewed = s.sessionInfo;
    await s.close();

    const text = await registry.metrics();
    expect(text).toMatch(
      /hmc_requests_total\{[^}]*method="GET",route="\/api\/cpcs\/\{id\}",status="200"\} 3/,
    );
    expect(text).toMatch(/hmc_requests_total\{[^}]*route="\/api\/cpcs\/\{id\}",status="503"\} 1/);
    expect(text).toMatch(/hmc_requests_total\{[^}]*route="\/api\/cpcs\/\{id\}",status="403"\} 1/);
    expect(text).toMatch(/hmc_request_retries_total\{[^}]*route="\/api\/cpcs\/\{id\}"\} 1/);
    expect(text).toContain('hmc_request_duration_seconds_bucket');

    expect(logs.lines.length).toBeGreaterThan(3);
    expect(logs.messages()).toEqual(
      expect.arrayContaining(['logged on to the HMC', 'HMC request failed, retrying']),
    );
    for (const secret of [sim.password, info.sessionId, info.sessionCredential, renewed?.sessionId]) {
      expect(secret).toBeTruthy();
      expect(logs.text).not.toContain(secret);
    }
  });
});
