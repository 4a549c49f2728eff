// Console operations, HiperSockets adapters, partition links (async jobs with a Location header)
// and Get Inventory on the current seed.
import { startSimulator, type RunningSimulator } from '../../src/hmc-simulator/index.js';
import { CPC, logon, partitionBody, request, waitJob } from './http.js';

let sim: RunningSimulator;
let session: string;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, stompPort: 0, jobDurationMs: 20 });
  session = await logon(sim);
});
afterAll(() => sim.stop());

const get = (uri: string) => request(sim, 'GET', uri, { session });
const post = (uri: string, body?: unknown) => request(sim, 'POST', uri, { session, body });

test('console: get, list-permitted-partitions with cpc-name filter, list-features', async () => {
  expect((await get('/api/console?properties=name,version')).body).toEqual({
    name: 'HMCSIM1',
    version: '2.16.0',
  });
  const all = await get('/api/console/operations/list-permitted-partitions?cpc-name=CPCZ16A&name=zVM-LAB');
  expect(all.body['partitions']).toEqual([
    expect.objectContaining({
      name: 'zVM-LAB',
      'cpc-name': 'CPCZ16A',
      'cpc-object-uri': CPC,
      'se-version': '2.16.0',
    }),
  ]);
  const none = await get('/api/console/operations/list-permitted-partitions?cpc-name=OTHER');
  expect(none.body['partitions']).toEqual([]);
  const features = await get('/api/console/operations/list-features?name=cpc.*');
  expect(features.body).toEqual(['cpc-install-and-activate', 'cpc-delete-retrieved-internal-code']);
});

test('get-partitions-assigned-to-adapter follows NICs, VSRs and crypto configurations', async () => {
  const names = async (adapterId: string) =>
    (
      (
        await get(
          `/api/adapters/a1b2c3d4-0000-4000-8000-${adapterId}/operations/get-partitions-assigned-to-adapter`,
        )
      ).body['partitions-assigned-to-adapter'] as { name: string }[]
    ).map((p) => p.name);
  expect(await names('0000000000a1')).toEqual(['LINUX-PROD-01']); // NIC on OSA-01-P0
  expect(await names('0000000000e1')).toEqual(['LINUX-PROD-01']); // RoCE port NIC
  expect(await names('0000000000f1')).toEqual(['zVM-LAB']); // VSR of ZVM-LAB-SG
  expect(await names('000000000091')).toEqual(['zVM-LAB']); // crypto configuration
  expect(await names('0000000000f4')).toEqual([]);
});

test('a HiperSockets partition link: created by a job (Location), backed by an adapter, NICs on attach', async () => {
  const create = await post('/api/partition-links', {
    name: 'hs-link',
    type: 'hipersockets',
    'cpc-uri': CPC,
  });
  expect(create.status).toBe(202);
  const job = await waitJob(sim, session, String(create.body['job-uri']));
  expect(job.body).toEqual({ status: 'complete', 'job-status-code': 201, 'job-results': {} });
  const links = (await get(`/api/partition-links?name=hs-link`)).body['partition-links'] as Record<
    string,
    string
  >[];
  expect(links).toHaveLength(1);
  const link = String(links[0]?.['object-uri']);
  const adapterUri = String((await get(`${link}?properties=adapter-uri`)).body['adapter-uri']);
  expect((await get(`${adapterUri}?properties=name,type`)).body).toEqual({
    name: 'hs-link',
    type: 'hipersockets',
  });

  const p = String((await post(`${CPC}/partitions`, partitionBody('hs-p'))).body['object-uri']);
  const mod = await post(`${link}/operations/modify`, {
    'added-connections': [
      { 'partition-uri': p, 'number-of-nics': 2, nics: [{ 'device-numbers': ['4711'] }] },
    ],
  });
  const modJob = await waitJob(sim, session, String(mod.body['job-uri']));
  expect(modJob.body['job-results']).toEqual({
    'operation-results': [{ 'partition-uri': p, 'operation-status': 'attached' }],
  });
  const nicUris = (await get(`${p}?properties=nic-uris`)).body['nic-uris'] as string[];
  expect(nicUris).toHaveLength(2);
  expect((await get(`${nicUris[0] ?? ''}?properties=type,device-number`)).body).toEqual({
    type: 'iqd',
    'device-number': '4711',
  });

  const detach = await post(`${link}/operations/modify`, { 'removed-partition-uris': [p] });
  await waitJob(sim, session, String(detach.body['job-uri']));
  expect((await get(`${p}?properties=nic-uris`)).body['nic-uris']).toEqual([]);
  const del = await post(`${link}/operations/delete`, {});
  expect((await waitJob(sim, session, String(del.body['job-uri']))).body['job-status-code']).toBe(204);
  expect((await get(link)).status).toBe(404);
  expect((await get(adapterUri)).status).toBe(404);
});

test('a CTC link has one device per pair of partitions on every path; only FICON fc adapters qualify', async () => {
  const parts = await Promise.all(
    ['ctc-a', 'ctc-b', 'ctc-c'].map(async (n) =>
      String((await post(`${CPC}/partitions`, partitionBody(n))).body['object-uri']),
    ),
  );
  const fc5 = '/api/adapters/a1b2c3d4-0000-4000-8000-0000000000f5';
  const fcp1 = '/api/adapters/a1b2c3d4-0000-4000-8000-0000000000f1';
  const bad = await post('/api/partition-links', {
    name: 'ctc-bad',
    type: 'ctc',
    'cpc-uri': CPC,
    paths: [{ 'adapter-port-uri': fcp1, 'connecting-adapter-port-uri': fcp1 }],
  });
  expect([bad.status, bad.body.reason]).toEqual([400, 7]);
  const ok = await post('/api/partition-links', {
    name: 'ctc-ok',
    type: 'ctc',
    'cpc-uri': CPC,
    partitions: parts,
    paths: [{ 'adapter-port-uri': fc5, 'connecting-adapter-port-uri': fc5 }],
  });
  await waitJob(sim, session, String(ok.body['job-uri']));
  const link = String(
    (
      (await get('/api/partition-links?name=ctc-ok')).body['partition-links'] as Record<string, string>[]
    )[0]?.['object-uri'],
  );
  const paths = (await get(`${link}?properties=paths`)).body['paths'] as { devices: unknown[] }[];
  expect(paths.map((p) => p.devices.length)).toEqual([3]); // 3 partitions -> 3 pairs
});

test('Get Inventory returns the DPM resources with their class', async () => {
  const r = await post('/api/services/inventory', { resources: ['dpm-resources'] });
  const items = r.body as unknown as { class: string; name?: string }[];
  const classes = new Set(items.map((i) => i.class));
  for (const c of [
    'cpc',
    'partition',
    'adapter',
    'storage-port',
    'virtual-switch',
    'storage-group',
    'storage-volume',
  ])
    expect(classes).toContain(c);
  expect(items.find((i) => i.class === 'storage-group')?.name).toBe('ZVM-LAB-SG');
});
