// Storage groups on the current (z16) seed: validation, attach/detach with VSRs, fulfillment
// (request, admin call, delay) with notifications, boot from a volume; the z13 seed keeps HBAs.
import tls from 'node:tls';
import { startSimulator, type RunningSimulator } from '../../src/hmc-simulator/index.js';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/hmc-simulator/stomp-frame.js';
import { CPC, partitionBody, request, waitJob } from './http.js';

const FCP1_PORT = '/api/adapters/a1b2c3d4-0000-4000-8000-0000000000f1/storage-ports/0';
const FCP2_PORT = '/api/adapters/a1b2c3d4-0000-4000-8000-0000000000f2/storage-ports/0';

let sim: RunningSimulator;
let session: string;
let topic: string;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, stompPort: 0, jobDurationMs: 20 });
  const r = await request(sim, 'POST', '/api/sessions', {
    body: { userid: sim.userid, password: sim.password },
  });
  session = String(r.body['api-session']);
  topic = String(r.body['notification-topic']);
});
afterAll(() => sim.stop());

const get = (uri: string) => request(sim, 'GET', uri, { session });
const post = (uri: string, body?: unknown) => request(sim, 'POST', uri, { session, body });

async function newGroup(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await post('/api/storage-groups', {
    name,
    'cpc-uri': CPC,
    type: 'fcp',
    shared: false,
    'max-partitions': 1,
    'candidate-adapter-port-uris': [FCP1_PORT, FCP2_PORT],
    'storage-volumes': [{ operation: 'create', name: 'boot', size: 32, usage: 'boot' }],
    ...extra,
  });
  expect(r.status).toBe(201);
  const volumes = (extra['storage-volumes'] as unknown[] | undefined)?.length ?? 1;
  expect(r.body['element-uris']).toHaveLength(volumes);
  return String(r.body['object-uri']);
}

async function newPartition(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await post(`${CPC}/partitions`, partitionBody(name, extra));
  expect(r.status).toBe(201);
  return String(r.body['object-uri']);
}

/** An object-notification subscriber over STOMP (raw TLS). */
async function subscribe(): Promise<{ frames: Frame[]; close: () => void }> {
  const frames: Frame[] = [];
  const decoder = new FrameDecoder();
  const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect(
      { host: '127.0.0.1', port: sim.stompPort, ca: sim.caPem, servername: 'localhost' },
      () => resolve(s),
    );
    s.on('error', reject);
  });
  socket.on('data', (d: Buffer) => frames.push(...decoder.push(d)));
  const send = (command: string, headers: Record<string, string>) =>
    socket.write(encodeFrame({ command, headers, body: '' }));
  send('CONNECT', {
    'accept-version': '1.2',
    login: sim.userid,
    passcode: sim.password,
    'heart-beat': '0,0',
  });
  await until(() => frames.some((f) => f.command === 'CONNECTED'));
  send('SUBSCRIBE', { id: '1', destination: `/topic/${topic}`, ack: 'auto', receipt: 'sub' });
  await until(() => frames.some((f) => f.command === 'RECEIPT'));
  return { frames, close: () => socket.destroy() };
}

async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('the default seed has dpm-storage-management on: HBAs are refused, storage groups exist', async () => {
  const cpc = await get(`${CPC}?properties=machine-type,available-features-list`);
  expect(cpc.body).toEqual({
    'machine-type': '3931',
    'available-features-list': expect.arrayContaining([
      expect.objectContaining({ name: 'dpm-storage-management', state: true }),
    ]) as unknown,
  });
  const p = await newPartition('sg-hba');
  const hba = await post(`${p}/hbas`, { name: 'h', 'adapter-port-uri': FCP1_PORT });
  expect([hba.status, hba.body.reason]).toEqual([409, 487]);
  const list = await get(`/api/storage-groups?cpc-uri=${encodeURIComponent(CPC)}&name=ZVM-LAB-SG`);
  expect(list.body['storage-groups']).toEqual([
    {
      'object-uri': '/api/storage-groups/a1b2c3d4-0000-4000-8000-00000000d501',
      'cpc-uri': CPC,
      name: 'ZVM-LAB-SG',
      'fulfillment-state': 'complete',
      type: 'fcp',
    },
  ]);
});

test('the z13 seed has the feature off: HBAs work, storage groups are refused', async () => {
  const z13 = await startSimulator({ port: 0, stompPort: 0, seedName: 'z13' });
  try {
    const r = await request(z13, 'POST', '/api/sessions', {
      body: { userid: z13.userid, password: z13.password },
    });
    const s = String(r.body['api-session']);
    const cpc = await request(z13, 'GET', `${CPC}?properties=machine-type,available-features-list`, {
      session: s,
    });
    expect(cpc.body).toEqual({ 'machine-type': '2964', 'available-features-list': [] });
    const p = await request(z13, 'POST', `${CPC}/partitions`, { session: s, body: partitionBody('z13-p') });
    const hba = await request(z13, 'POST', `${String(p.body['object-uri'])}/hbas`, {
      session: s,
      body: { name: 'h', 'adapter-port-uri': FCP1_PORT },
    });
    expect(hba.status).toBe(201);
    const sg = await request(z13, 'POST', '/api/storage-groups', {
      session: s,
      body: { name: 'x', 'cpc-uri': CPC, type: 'fcp' },
    });
    expect([sg.status, sg.body.reason]).toEqual([409, 1]);
  } finally {
    await z13.stop();
  }
});

test('create validation names the problem; ?properties= answers exactly what was asked', async () => {
  const bad = async (body: unknown) => {
    const r = await post('/api/storage-groups', body);
    return [r.status, r.body.reason];
  };
  expect(await bad({ name: 'v1', type: 'fcp' })).toEqual([400, 5]);
  expect(await bad({ name: 'v1', 'cpc-uri': CPC, type: 'scsi' })).toEqual([400, 7]);
  expect(await bad({ name: 'v1', 'cpc-uri': CPC, type: 'fcp', colour: 'red' })).toEqual([400, 6]);
  const vol = (v: Record<string, unknown>) => ({
    name: 'v1',
    'cpc-uri': CPC,
    type: 'fcp',
    'storage-volumes': [v],
  });
  expect(await bad(vol({ operation: 'create', usage: 'boot' }))).toEqual([400, 5]);
  expect(await bad(vol({ operation: 'create', size: 1, usage: 'swap' }))).toEqual([400, 7]);
  expect(await bad(vol({ operation: 'resize', size: 1 }))).toEqual([400, 7]);
  expect(await bad({ name: 'v1', 'cpc-uri': CPC, type: 'fcp', shared: false, 'max-partitions': 2 })).toEqual([
    400, 7,
  ]);
  expect(await bad({ name: 'ZVM-LAB-SG', 'cpc-uri': CPC, type: 'fcp' })).toEqual([400, 8]);
  // None of the failed creates left a group behind.
  expect((await get('/api/storage-groups?name=v1')).body['storage-groups']).toEqual([]);

  const sg = await newGroup('sg-props');
  expect((await get(`${sg}?properties=name,shared`)).body).toEqual({ name: 'sg-props', shared: false });
});

test('attach creates one VSR per path with unique WWPNs and device numbers; detach removes them', async () => {
  const sg = await newGroup('sg-attach');
  const p1 = await newPartition('sg-attach-1');
  const p2 = await newPartition('sg-attach-2');
  expect((await post(`${p1}/operations/attach-storage-group`, { 'storage-group-uri': sg })).status).toBe(204);
  const again = await post(`${p1}/operations/attach-storage-group`, { 'storage-group-uri': sg });
  expect([again.status, again.body.reason]).toEqual([409, 1]);
  const other = await post(`${p2}/operations/attach-storage-group`, { 'storage-group-uri': sg });
  expect([other.status, other.body.reason]).toEqual([409, 1]); // not shared

  expect((await get(`${p1}?properties=storage-group-uris`)).body).toEqual({ 'storage-group-uris': [sg] });
  const list = await get(`${sg}/virtual-storage-resources?partition-uri=${encodeURIComponent(p1)}`);
  const vsrs = list.body['virtual-storage-resources'] as Record<string, string>[];
  expect(vsrs.map((v) => v['adapter-port-uri']).sort()).toEqual([FCP1_PORT, FCP2_PORT]);
  const full = await Promise.all(vsrs.map(async (v) => (await get(v['element-uri'] ?? '')).body));
  const wwpns = full.map((v) => v['world-wide-port-name']);
  expect(new Set(wwpns).size).toBe(2);
  for (const w of wwpns) expect(w).toMatch(/^[0-9a-f]{16}$/);
  expect(new Set(full.map((v) => v['device-number'])).size).toBe(2);
  // A NIC or HBA-like device of the partition cannot reuse a VSR's device number.
  const nic = await post(`${p1}/nics`, {
    name: 'eth0',
    'virtual-switch-uri': '/api/virtual-switches/a1b2c3d4-0000-4000-8000-0000000000b1',
    'device-number': String(full[0]?.['device-number']),
  });
  expect([nic.status, nic.body.reason]).toEqual([400, 8]);
  const parts = await get(`${sg}/operations/get-partitions`);
  expect(parts.body['partitions']).toEqual([
    expect.objectContaining({ 'object-uri': p1, name: 'sg-attach-1' }),
  ]);

  const del = await post(`${sg}/operations/delete`);
  expect([del.status, del.body.reason]).toEqual([409, 1]);
  expect((await post(`${p1}/operations/detach-storage-group`, { 'storage-group-uri': sg })).status).toBe(204);
  expect((await get(`${sg}/virtual-storage-resources`)).body['virtual-storage-resources']).toEqual([]);
  expect((await post(`${sg}/operations/delete`)).status).toBe(204);
  expect((await get(sg)).status).toBe(404);
});

test('volumes are created, grown and deleted through modify; requests are all-or-nothing', async () => {
  const sg = await newGroup('sg-modify');
  const r = await post(`${sg}/operations/modify`, {
    description: 'data too',
    'storage-volumes': [{ operation: 'create', name: 'data', size: 10 }],
  });
  expect(r.status).toBe(200);
  const data = String((r.body['element-uris'] as string[])[0]);
  expect((await get(`${data}?properties=size,usage,fulfillment-state`)).body).toEqual({
    size: 10,
    usage: 'data',
    'fulfillment-state': 'pending',
  });
  const shrink = await post(`${sg}/operations/modify`, {
    'storage-volumes': [
      { operation: 'create', name: 'data2', size: 5 },
      { operation: 'modify', 'element-uri': data, size: 5 },
    ],
  });
  expect([shrink.status, shrink.body.reason]).toEqual([400, 7]);
  const names = (await get(`${sg}/storage-volumes`)).body['storage-volumes'] as { name: string }[];
  expect(names.map((v) => v.name).sort()).toEqual(['boot', 'data']); // data2 was not created
  expect(
    (
      await post(`${sg}/operations/modify`, {
        'storage-volumes': [{ operation: 'delete', 'element-uri': data }],
      })
    ).status,
  ).toBe(204);
  expect((await get(data)).status).toBe(404);
});

test('boot from a volume: the start job fails until the volume is fulfilled, with notifications', async () => {
  const sg = await newGroup('sg-boot');
  const vol = String(
    (
      (await get(`${sg}/storage-volumes?name=boot`)).body['storage-volumes'] as { 'element-uri': string }[]
    )[0]?.['element-uri'],
  );
  const p = await newPartition('sg-boot-p', { 'boot-device': 'storage-volume', 'boot-storage-volume': vol });

  // Not attached yet: the start job fails, the partition stays stopped.
  let job = await waitJob(sim, session, String((await post(`${p}/operations/start`)).body['job-uri']));
  expect([job.body['job-status-code'], job.body['job-reason-code']]).toEqual([409, 1]);
  expect((await get(`${p}?properties=status`)).body['status']).toBe('stopped');

  expect((await post(`${p}/operations/attach-storage-group`, { 'storage-group-uri': sg })).status).toBe(204);
  job = await waitJob(sim, session, String((await post(`${p}/operations/start`)).body['job-uri']));
  expect([job.body['job-status-code'], job.body['job-reason-code']]).toEqual([409, 122]);

  const stomp = await subscribe();
  try {
    // The WWPN and LUN are exactly 16 lower-case hex digits (zhmcclient's indicate_fulfillment_fcp).
    for (const [wwpn, lun] of [
      ['500507680B21AC8C', '4000400000000000'],
      ['500507680b21ac8c', '1'],
    ]) {
      const bad = await post(`${vol}/operations/fulfill-fcp-storage-volume`, {
        'world-wide-port-name': wwpn,
        'logical-unit-number': lun,
        'adapter-port-uri': FCP1_PORT,
      });
      expect(bad.status).toBe(400);
    }
    expect((await get(vol)).body['fulfillment-state']).toBe('pending');
    const ful = await post(`${vol}/operations/fulfill-fcp-storage-volume`, {
      'world-wide-port-name': '500507680b21ac8c',
      'logical-unit-number': '4000400000000000',
      'adapter-port-uri': FCP1_PORT,
    });
    expect(ful.status).toBe(204);
    const v = await get(vol);
    expect(v.body['fulfillment-state']).toBe('complete');
    expect(v.body['uuid']).toMatch(/^[0-9a-f]{32}$/);
    expect(v.body['paths']).toHaveLength(2); // one per VSR
    expect((await get(`${sg}?properties=fulfillment-state`)).body).toEqual({
      'fulfillment-state': 'complete',
    });
    await until(() =>
      stomp.frames.some(
        (f) => f.headers['class'] === 'storage-group' && f.body.includes('fulfillment-state'),
      ),
    );
    const volChange = stomp.frames.find(
      (f) => f.headers['class'] === 'storage-volume' && f.headers['notification-type'] === 'property-change',
    );
    expect(volChange?.headers).toMatchObject({ 'object-uri': sg, 'element-uri': vol });
    expect(JSON.parse(volChange?.body ?? '{}')).toEqual({
      'change-reports': expect.arrayContaining([
        { 'property-name': 'fulfillment-state', 'old-value': 'pending', 'new-value': 'complete' },
      ]) as unknown,
    });
  } finally {
    stomp.close();
  }
  job = await waitJob(sim, session, String((await post(`${p}/operations/start`)).body['job-uri']));
  expect(job.body['job-status-code']).toBe(204);
  expect((await get(`${p}?properties=status`)).body['status']).toBe('active');
  // The boot group cannot be detached from a running partition.
  const det = await post(`${p}/operations/detach-storage-group`, { 'storage-group-uri': sg });
  expect([det.status, det.body.reason]).toEqual([409, 1]);
});

test('the /_sim admin call and the configured delay fulfil pending volumes like a SAN admin', async () => {
  const sg = await newGroup('sg-admin', {
    'storage-volumes': [
      { operation: 'create', name: 'a', size: 1 },
      { operation: 'create', name: 'b', size: 1 },
    ],
  });
  expect(await sim.admin.fulfillStorage(sg)).toBe(2);
  expect(await sim.admin.fulfillStorage(sg)).toBe(0);
  expect((await get(`${sg}?properties=fulfillment-state`)).body['fulfillment-state']).toBe('complete');

  const delayed = await startSimulator({ port: 0, stompPort: 0, fulfillmentDelayMs: 100 });
  try {
    const r = await request(delayed, 'POST', '/api/sessions', {
      body: { userid: delayed.userid, password: delayed.password },
    });
    const s = String(r.body['api-session']);
    const c = await request(delayed, 'POST', '/api/storage-groups', {
      session: s,
      body: {
        name: 'later',
        'cpc-uri': CPC,
        type: 'fcp',
        'storage-volumes': [{ operation: 'create', size: 1 }],
      },
    });
    const uri = String(c.body['object-uri']);
    const state = async () =>
      (await request(delayed, 'GET', `${uri}?properties=fulfillment-state`, { session: s })).body[
        'fulfillment-state'
      ];
    expect(await state()).toBe('pending');
    let last: unknown;
    for (let i = 0; i < 200 && last !== 'complete'; i++) {
      last = await state();
      if (last !== 'complete') await new Promise((res) => setTimeout(res, 50));
    }
    expect(last).toBe('complete');
  } finally {
    await delayed.stop();
  }
});

test('a group created from a template takes its settings and volumes', async () => {
  const r = await post('/api/storage-groups', {
    name: 'from-template',
    'cpc-uri': CPC,
    type: 'fcp',
    'template-uri': '/api/storage-templates/a1b2c3d4-0000-4000-8000-00000000d601',
  });
  expect(r.status).toBe(201);
  const sg = String(r.body['object-uri']);
  expect((await get(`${sg}?properties=shared,connectivity,max-partitions`)).body).toEqual({
    shared: false,
    connectivity: 2,
    'max-partitions': 1,
  });
  expect((await get(`${sg}/storage-volumes`)).body['storage-volumes']).toEqual([
    expect.objectContaining({ name: 'boot', size: 32, usage: 'boot', 'fulfillment-state': 'pending' }),
  ]);
  const missing = await post('/api/storage-groups', {
    name: 'from-nothing',
    'cpc-uri': CPC,
    type: 'fcp',
    'template-uri': '/api/storage-templates/nope',
  });
  expect([missing.status, missing.body.reason]).toEqual([404, 1]);
});
