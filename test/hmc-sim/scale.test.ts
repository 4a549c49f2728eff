// Concurrency and size: 300 concurrent requests, 2000 partitions.
import https from 'node:https';
import { startSimulator, type RunningSimulator } from '../../src/hmc-simulator/index.js';
import { CPC, logon, partitionBody, request } from './http.js';

let sim: RunningSimulator;
let session: string;
const agent = new https.Agent({ keepAlive: true, maxSockets: 50 });

beforeAll(async () => {
  sim = await startSimulator({ port: 0, stompPort: 0 });
  session = await logon(sim);
});
afterAll(async () => {
  agent.destroy();
  await sim.stop();
});

test('300 concurrent creates all succeed with unique URIs', async () => {
  const results = await Promise.all(
    Array.from({ length: 300 }, (_, i) =>
      request(sim, 'POST', `${CPC}/partitions`, { session, agent, body: partitionBody(`conc-${i}`) }),
    ),
  );
  expect(results.map((r) => r.status).filter((s) => s !== 201)).toEqual([]);
  expect(new Set(results.map((r) => r.body['object-uri'])).size).toBe(300);
});

test('2000 partitions: list, filter by name and status stay correct and fast', async () => {
  const batch = 100;
  for (let i = 0; i < 2000; i += batch) {
    const rs = await Promise.all(
      Array.from({ length: batch }, (_, j) =>
        request(sim, 'POST', `${CPC}/partitions`, { session, agent, body: partitionBody(`big-${i + j}`) }),
      ),
    );
    expect(rs.every((r) => r.status === 201)).toBe(true);
  }
  const t0 = Date.now();
  const all = await request(sim, 'GET', `${CPC}/partitions?name=big-.*`, { session, agent });
  expect(all.body['partitions']).toHaveLength(2000);
  const some = await request(sim, 'GET', `${CPC}/partitions?name=big-1&name=big-1999&status=stopped`, {
    session,
    agent,
  });
  expect((some.body['partitions'] as { name: string }[]).map((p) => p.name).sort()).toEqual([
    'big-1',
    'big-1999',
  ]);
  expect(Date.now() - t0).toBeLessThan(2000);
  const dup = await request(sim, 'POST', `${CPC}/partitions`, {
    session,
    agent,
    body: partitionBody('big-1500'),
  });
  expect([dup.status, dup.body.reason]).toEqual([400, 8]);
});
