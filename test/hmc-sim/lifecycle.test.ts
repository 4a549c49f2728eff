// Partition transitions, job states and validation reason codes over plain HTTPS.
import { startSimulator, type RunningSimulator } from '../../src/hmc-simulator/index.js';
import { CPC, logon, partitionBody, request, waitJob } from './http.js';

let sim: RunningSimulator;
let session: string;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, stompPort: 0, jobDurationMs: 150 });
  session = await logon(sim);
});
afterAll(() => sim.stop());

test('start: starting (409.1 for updates and a running job delete) then paused without a boot device', async () => {
  const c = await request(sim, 'POST', `${CPC}/partitions`, { session, body: partitionBody('life-1') });
  const uri = String(c.body['object-uri']);
  const job = String((await request(sim, 'POST', `${uri}/operations/start`, { session })).body['job-uri']);
  expect((await request(sim, 'GET', `${uri}?properties=status`, { session })).body['status']).toBe(
    'starting',
  );
  const upd = await request(sim, 'POST', uri, { session, body: { description: 'x' } });
  expect([upd.status, upd.body.reason]).toEqual([409, 1]);
  const del = await request(sim, 'DELETE', job, { session });
  expect([del.status, del.body.reason]).toEqual([409, 40]);
  expect((await waitJob(sim, session, job)).body).toEqual({
    status: 'complete',
    'job-status-code': 204,
    'job-results': null,
  });
  expect((await request(sim, 'GET', `${uri}?properties=status`, { session })).body['status']).toBe('paused');
  expect((await request(sim, 'DELETE', job, { session })).status).toBe(204);
  expect((await request(sim, 'GET', job, { session })).status).toBe(404);
});

test('cancel of a running job reverts the transition', async () => {
  const c = await request(sim, 'POST', `${CPC}/partitions`, { session, body: partitionBody('life-2') });
  const uri = String(c.body['object-uri']);
  const job = String((await request(sim, 'POST', `${uri}/operations/start`, { session })).body['job-uri']);
  expect((await request(sim, 'POST', `${job}/operations/cancel`, { session })).status).toBe(202);
  expect((await request(sim, 'GET', job, { session })).body['status']).toBe('canceled');
  await new Promise((r) => setTimeout(r, 200));
  expect((await request(sim, 'GET', `${uri}?properties=status`, { session })).body['status']).toBe('stopped');
});

test('validation reason codes', async () => {
  const post = (body: unknown) => request(sim, 'POST', `${CPC}/partitions`, { session, body });
  const codes = async (body: unknown) => {
    const r = await post(body);
    return [r.status, r.body.reason];
  };
  expect(await codes({ name: 'v' })).toEqual([400, 5]);
  expect(await codes(partitionBody('v', { 'object-id': 'x' }))).toEqual([400, 6]);
  expect(await codes(partitionBody('v', { type: 'windows' }))).toEqual([400, 7]);
  expect(await codes(partitionBody('v', { 'boot-timeout': 5 }))).toEqual([400, 7]);
  expect(await codes(partitionBody('v', { 'initial-memory': 4096 }))).toEqual([400, 7]);
  expect(await codes(partitionBody('x'.repeat(65)))).toEqual([400, 7]);
  const bad = await request(sim, 'GET', `${CPC}/partitions?colour=red`, { session });
  expect([bad.status, bad.body.reason]).toEqual([400, 1]);
  const unknown = await request(sim, 'GET', '/api/no/such/path', { session });
  expect([unknown.status, unknown.body.reason]).toEqual([404, 1]);
});

test('NIC without backing is 400.5; aggregation returns each inner reply', async () => {
  const c = await request(sim, 'POST', `${CPC}/partitions`, { session, body: partitionBody('life-3') });
  const uri = String(c.body['object-uri']);
  const nic = await request(sim, 'POST', `${uri}/nics`, { session, body: { name: 'eth0' } });
  expect([nic.status, nic.body.reason]).toEqual([400, 5]);
  const agg = await request(sim, 'POST', '/api/services/aggregation/submit', {
    session,
    body: {
      requests: [
        { method: 'GET', uri: `${uri}?properties=name`, id: 'a' },
        { method: 'GET', uri: '/api/partitions/missing', id: 'b' },
      ],
    },
  });
  const items = agg.body as unknown as { id: string; status: number; body: Record<string, unknown> }[];
  expect(items.map((i) => [i.id, i.status])).toEqual([
    ['a', 200],
    ['b', 404],
  ]);
  expect(items[0]?.body['name']).toBe('life-3');
});
