// Fault injection and statistics of the /_sim/ admin API.
import { startSimulator, type RunningSimulator } from '../../src/hmc-simulator/index.js';
import { CPC, logon, partitionBody, request, waitJob } from './http.js';

let sim: RunningSimulator;
let session: string;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, stompPort: 0, jobDurationMs: 20 });
  session = await logon(sim);
});
afterAll(() => sim.stop());
afterEach(() => sim.admin.clearFaults());

test('stats count per route template, errors separately; /api/version is not counted', async () => {
  await sim.admin.resetStats();
  await request(sim, 'GET', '/api/version');
  await request(sim, 'GET', `${CPC}/partitions`, { session });
  await request(sim, 'GET', `${CPC}/partitions`, { session });
  await request(sim, 'GET', '/api/partitions/nope', { session });
  const stats = await sim.admin.stats();
  expect(stats.total).toBe(3);
  expect(stats.routes['GET /api/cpcs/{id}/partitions']).toEqual({ count: 2, errors: 0 });
  expect(stats.routes['GET /api/partitions/{id}']).toEqual({ count: 1, errors: 1 });
  expect(stats.routes['GET /api/version']).toBeUndefined();
  await sim.admin.resetStats();
  expect((await sim.admin.stats()).total).toBe(0);
});

test('error rule with count applies n times to its route only', async () => {
  await sim.admin.setFaults([
    { route: 'GET /api/cpcs', kind: 'error', httpStatus: 503, reason: 0, message: 'down', count: 2 },
  ]);
  const a = await request(sim, 'GET', '/api/cpcs', { session });
  const other = await request(sim, 'GET', `${CPC}/partitions`, { session });
  const b = await request(sim, 'GET', '/api/cpcs', { session });
  const c = await request(sim, 'GET', '/api/cpcs', { session });
  expect([a.status, other.status, b.status, c.status]).toEqual([503, 200, 503, 200]);
  expect(a.body).toEqual({
    'http-status': 503,
    reason: 0,
    message: 'down',
    'request-method': 'GET',
    'request-uri': '/api/cpcs',
  });
});

test('busy 409.2 and rate 0 never fires', async () => {
  await sim.admin.setFaults([{ kind: 'error', httpStatus: 409, reason: 2, rate: 0 }]);
  expect((await request(sim, 'GET', '/api/cpcs', { session })).status).toBe(200);
  await sim.admin.setFaults([{ kind: 'error', httpStatus: 409, reason: 2 }]);
  const r = await request(sim, 'GET', '/api/cpcs', { session });
  expect([r.status, r.body.reason]).toEqual([409, 2]);
});

test('latency delays the answer', async () => {
  await sim.admin.setFaults([{ route: 'GET /api/cpcs', kind: 'latency', ms: 300 }]);
  const t0 = Date.now();
  const r = await request(sim, 'GET', '/api/cpcs', { session });
  expect(r.status).toBe(200);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
});

test('reset destroys the connection without an answer', async () => {
  await sim.admin.setFaults([{ route: 'GET /api/cpcs', kind: 'reset', count: 1 }]);
  await expect(request(sim, 'GET', '/api/cpcs', { session })).rejects.toThrow(/socket hang up|ECONNRESET/);
  expect((await request(sim, 'GET', '/api/cpcs', { session })).status).toBe(200);
});

test('job-failure ends the start job with the given code and leaves the partition stopped', async () => {
  await sim.admin.setFaults([
    { kind: 'job-failure', operation: 'start', httpStatus: 409, reason: 131, message: 'OS failed to load' },
  ]);
  const created = await request(sim, 'POST', `${CPC}/partitions`, {
    session,
    body: partitionBody('fault-jobfail', { 'boot-device': 'storage-adapter' }),
  });
  const uri = String(created.body['object-uri']);
  const started = await request(sim, 'POST', `${uri}/operations/start`, { session });
  expect(started.status).toBe(202);
  const job = await waitJob(sim, session, String(started.body['job-uri']));
  expect(job.body).toEqual({
    status: 'complete',
    'job-status-code': 409,
    'job-reason-code': 131,
    'job-results': { message: 'OS failed to load' },
  });
  const p = await request(sim, 'GET', `${uri}?properties=status`, { session });
  expect(p.body).toEqual({ status: 'stopped' });
});

test('malformed fault rules are rejected with 400.7', async () => {
  const r = await request(sim, 'PUT', '/_sim/faults', { body: { rules: [{ kind: 'explode' }] } });
  expect([r.status, r.body.reason]).toEqual([400, 7]);
});

test('expired sessions get 403.5, a missing header 403.4', async () => {
  const mine = await logon(sim);
  await sim.admin.expireSessions(mine);
  const r = await request(sim, 'GET', '/api/cpcs', { session: mine });
  expect([r.status, r.body.reason]).toEqual([403, 5]);
  const none = await request(sim, 'GET', '/api/cpcs');
  expect([none.status, none.body.reason]).toEqual([403, 4]);
  expect((await request(sim, 'GET', '/api/cpcs', { session })).status).toBe(200);
});
