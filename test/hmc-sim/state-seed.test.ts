// Seed loading (zhmcclient HMC-definition format) and state save/restore.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../../src/hmc-simulator/index.js';
import { CPC, logon, partitionBody, request, waitJob } from './http.js';

test('a custom seed defines credentials, CPCs, adapters with ports and partitions with NICs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sim-seed-'));
  const seed = join(dir, 'seed.yaml');
  await writeFile(
    seed,
    `hmc_definition:
  api_version: '2.40'
  consoles:
    - properties: {name: HMCX, version: 2.14.1}
      users:
        - properties: {name: alice, password: secret}
  cpcs:
    - properties: {object-id: cpc1, name: CPCX, dpm-enabled: true, status: active,
        available-features-list: [{name: dpm-storage-management, state: true}]}
      adapters:
        - properties: {object-id: osa1, name: OSA, adapter-family: osa, type: osd}
          ports: [{properties: {element-id: '0', index: 0}}]
      virtual_switches:
        - properties: {object-id: vs1, name: VS, type: osd, backing-adapter-uri: /api/adapters/osa1, port: 0}
      partitions:
        - properties: {object-id: p1, name: P1, status: stopped}
          nics:
            - properties: {element-id: n1, name: eth0, device-number: '0100', virtual-switch-uri: /api/virtual-switches/vs1}
`,
  );
  const sim = await startSimulator({ port: 0, stompPort: 0, seed });
  try {
    expect([sim.userid, sim.password]).toEqual(['alice', 'secret']);
    const v = await request(sim, 'GET', '/api/version');
    expect(v.body).toMatchObject({ 'hmc-name': 'HMCX', 'api-major-version': 2, 'api-minor-version': 40 });
    const s = await logon(sim);
    const p = await request(sim, 'GET', '/api/partitions/p1', { session: s });
    expect(p.body).toMatchObject({
      name: 'P1',
      'nic-uris': ['/api/partitions/p1/nics/n1'],
      'boot-device': 'none',
    });
    const vs = await request(sim, 'GET', '/api/virtual-switches/vs1/operations/get-connected-vnics', {
      session: s,
    });
    expect(vs.body).toEqual({ 'connected-vnic-uris': ['/api/partitions/p1/nics/n1'] });
    const port = await request(sim, 'GET', '/api/adapters/osa1/network-ports/0', { session: s });
    expect(port.body).toMatchObject({ 'element-uri': '/api/adapters/osa1/network-ports/0', index: 0 });
    // dpm-storage-management on: HBAs are refused with 409
    const hba = await request(sim, 'POST', '/api/partitions/p1/hbas', {
      session: s,
      body: { name: 'h', 'adapter-port-uri': '/api/adapters/osa1/storage-ports/0' },
    });
    expect(hba.status).toBe(409);
  } finally {
    await sim.stop();
  }
});

test('state is saved at stop and restored at start (--state-file)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sim-state-'));
  const stateFile = join(dir, 'state.json');
  const first = await startSimulator({ port: 0, stompPort: 0, stateFile, jobDurationMs: 0 });
  let uri: string;
  try {
    const s = await logon(first);
    const c = await request(first, 'POST', `${CPC}/partitions`, {
      session: s,
      body: partitionBody('persisted', { 'boot-device': 'storage-adapter' }),
    });
    uri = String(c.body['object-uri']);
    const job = await request(first, 'POST', `${uri}/operations/start`, { session: s });
    await waitJob(first, s, String(job.body['job-uri']));
  } finally {
    await first.stop();
  }
  const second = await startSimulator({ port: 0, stompPort: 0, stateFile });
  try {
    const s = await logon(second);
    const p = await request(second, 'GET', `${uri}?properties=name,status`, { session: s });
    expect(p.body).toEqual({ name: 'persisted', status: 'active' });
    const list = await request(second, 'GET', `${CPC}/partitions?name=persisted`, { session: s });
    expect(list.body['partitions']).toHaveLength(1);
  } finally {
    await second.stop();
  }
});

test('/_sim/state/save and /_sim/state/load round-trip a deletion', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sim-state2-'));
  const path = join(dir, 'snap.json');
  const sim = await startSimulator({ port: 0, stompPort: 0 });
  try {
    const s = await logon(sim);
    const c = await request(sim, 'POST', `${CPC}/partitions`, { session: s, body: partitionBody('snap') });
    expect((await request(sim, 'POST', '/_sim/state/save', { body: { path } })).status).toBe(200);
    await request(sim, 'DELETE', String(c.body['object-uri']), { session: s });
    expect((await request(sim, 'GET', String(c.body['object-uri']), { session: s })).status).toBe(404);
    expect((await request(sim, 'POST', '/_sim/state/load', { body: { path } })).status).toBe(200);
    expect((await request(sim, 'GET', String(c.body['object-uri']), { session: s })).status).toBe(200);
  } finally {
    await sim.stop();
  }
});
