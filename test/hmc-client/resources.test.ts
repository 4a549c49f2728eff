import type { RunningSimulator } from '../../src/hmc-simulator/index.js';
import type { HmcClient } from '../../src/hmc/client.js';
import { cpcFeatureEnabled, USABLE_CPC_STATUSES } from '../../src/hmc/cpc.js';
import { HmcConnectionError, isDuplicateName, NotFoundError } from '../../src/hmc/errors.js';
import { storagePortUri } from '../../src/hmc/port.js';
import { sameHex } from '../../src/hmc/resource.js';
import {
  CPC_ID,
  CPC_URI,
  FCP1_URI,
  OSA_URI,
  VSWITCH_B1_URI,
  VSWITCH_B2_URI,
  connect,
  recordingDelay,
  startSim,
} from './helpers.js';

let sim: RunningSimulator;
let client: HmcClient;
beforeAll(async () => {
  sim = await startSim();
  client = await connect(sim, { notifications: false, delay: recordingDelay().delay });
});
afterAll(async () => {
  await client.close();
  await sim.stop();
});
afterEach(async () => {
  await sim.admin.clearFaults();
});

const PART = {
  'initial-memory': 1024,
  'maximum-memory': 2048,
  'ifl-processors': 2,
  'processor-mode': 'shared',
} as const;

/** Requests the simulator saw while `fn` ran, by route. */
async function requestsOf(fn: () => Promise<unknown>): Promise<Record<string, number>> {
  await sim.admin.resetStats();
  await fn();
  const stats = await sim.admin.stats();
  return Object.fromEntries(Object.entries(stats.routes).map(([k, v]) => [k, v.count]));
}

describe('CPCs', () => {
  test('find by name and by object-id, one request each', async () => {
    let byName: unknown;
    expect(await requestsOf(async () => (byName = await client.cpcs.findByName('CPCZ16A')))).toEqual({
      'GET /api/cpcs': 1,
    });
    expect(byName).toMatchObject({ 'object-uri': CPC_URI, 'dpm-enabled': true });
    expect(await client.cpcs.find({ objectId: CPC_ID })).toEqual({ uri: CPC_URI, name: 'CPCZ16A' });
    await expect(client.cpcs.findByName('CPCZ16')).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.cpcs.findByName('CPCZ16.')).rejects.toBeInstanceOf(NotFoundError); // regex escaped
    await expect(client.cpcs.find({ objectId: 'no-such-cpc' })).rejects.toMatchObject({
      code: 'HMC_NOT_FOUND',
    });
  });

  test('properties: DPM, usable status, HBA-capable (dpm-storage-management off)', async () => {
    const cpc = await client.cpcs.get(CPC_URI, [
      'status',
      'dpm-enabled',
      'available-features-list',
      'processor-count-ifl',
    ]);
    expect(cpc['dpm-enabled']).toBe(true);
    expect(cpc['processor-count-ifl']).toBe(64);
    expect(USABLE_CPC_STATUSES.has(String(cpc.status))).toBe(true);
    expect(cpcFeatureEnabled(cpc, 'dpm-storage-management')).toBe(false);
  });
});

describe('partitions', () => {
  test('CRUD with request counts: create 1 POST, update 1 POST, delete 1 DELETE', async () => {
    let uri = '';
    expect(
      await requestsOf(
        async () => (uri = await client.partitions.create(CPC_URI, { name: 'crud-1', ...PART })),
      ),
    ).toEqual({ 'POST /api/cpcs/{id}/partitions': 1 });
    const props = await client.partitions.get(uri);
    expect(props).toMatchObject({ name: 'crud-1', status: 'stopped', type: 'linux', ...PART });

    expect(await requestsOf(() => client.partitions.update(uri, { description: 'updated' }))).toEqual({
      'POST /api/partitions/{id}': 1,
    });
    expect((await client.partitions.get(uri, ['description'])).description).toBe('updated');

    const found = await client.partitions.findByName(CPC_URI, 'crud-1');
    expect(found['object-uri']).toBe(uri);
    const listed = await client.partitions.list(CPC_URI, { status: 'stopped' });
    expect(listed.map((p) => p.name)).toEqual(expect.arrayContaining(['crud-1', 'LINUX-PROD-01']));
    expect(listed.map((p) => p.name)).not.toContain('zVM-LAB');

    expect(await requestsOf(() => client.partitions.delete(uri))).toEqual({
      'DELETE /api/partitions/{id}': 1,
    });
    expect(await client.partitions.exists(uri)).toBe(false);
    await expect(client.partitions.delete(uri)).resolves.toBeUndefined(); // idempotent
    expect(await client.partitions.tryFindByName(CPC_URI, 'crud-1')).toBeUndefined();
  });

  test('duplicate name: 400.8, typed', async () => {
    const err = await client.partitions
      .create(CPC_URI, { name: 'LINUX-PROD-01', ...PART })
      .catch((e: unknown) => e);
    expect(isDuplicateName(err)).toBe(true);
  });

  test('no duplicate create under faults: reset and 500 leave at most one partition', async () => {
    const route = 'POST /api/cpcs/{id}/partitions';
    await sim.admin.resetStats();
    await sim.admin.setFaults([{ route, kind: 'reset', count: 1 }]);
    await expect(client.partitions.create(CPC_URI, { name: 'dup-check', ...PART })).rejects.toBeInstanceOf(
      HmcConnectionError,
    );
    await sim.admin.setFaults([{ route, kind: 'error', httpStatus: 503, reason: 0, count: 1 }]);
    await expect(client.partitions.create(CPC_URI, { name: 'dup-check', ...PART })).rejects.toMatchObject({
      httpStatus: 503,
    });
    await sim.admin.setFaults([{ route, kind: 'error', httpStatus: 409, reason: 2, count: 1 }]);
    const uri = await client.partitions.create(CPC_URI, { name: 'dup-check', ...PART });
    expect(await sim.admin.stats()).toMatchObject({ routes: { [route]: { count: 4, errors: 3 } } });
    const all = await client.partitions.list(CPC_URI, { name: 'dup-check' });
    expect(all.map((p) => p['object-uri'])).toEqual([uri]);
    await client.partitions.delete(uri);
  });

  test('delete retried after a lost response counts the 404 as success', async () => {
    const uri = await client.partitions.create(CPC_URI, { name: 'del-retry', ...PART });
    // The first DELETE is slower than the timeout: the HMC deletes, the client never hears of it.
    const slow = await connect(sim, {
      notifications: false,
      requestTimeoutMs: 150,
      retry: { baseMs: 600, maxMs: 600 },
    });
    await sim.admin.resetStats();
    await sim.admin.setFaults([{ route: 'DELETE /api/partitions/{id}', kind: 'latency', ms: 300, count: 1 }]);
    await slow.partitions.delete(uri);
    expect(await sim.admin.stats()).toMatchObject({
      routes: { 'DELETE /api/partitions/{id}': { count: 2, errors: 1 } },
    });
    expect(await client.partitions.exists(uri)).toBe(false);
    await slow.close();
  });
});

describe('adapters, ports, virtual switches, NICs, HBAs', () => {
  test('adapters by family; FCP storage ports', async () => {
    const fcp = await client.adapters.list(CPC_URI, { 'adapter-family': 'ficon' });
    expect(fcp.map((a) => a['object-uri']).sort()).toEqual([FCP1_URI, FCP1_URI.replace(/f1$/, 'f2')]);
    const osa = await client.adapters.findByName(
      CPC_URI,
      (await client.adapters.get(OSA_URI, ['name'])).name ?? '',
    );
    expect(osa['object-uri']).toBe(OSA_URI);
    const ports = await client.ports.list(FCP1_URI);
    expect(ports.map((p) => p['element-uri'])).toContain(storagePortUri(FCP1_URI, 0));
  });

  test('virtual switch by backing adapter + port: one request on API >= 4', async () => {
    let b1: unknown;
    let b2: unknown;
    const counts = await requestsOf(async () => {
      b1 = await client.virtualSwitches.findByBacking(CPC_URI, OSA_URI, 0);
      b2 = await client.virtualSwitches.findByBacking(CPC_URI, OSA_URI, 1);
    });
    expect(b1).toMatchObject({ 'object-uri': VSWITCH_B1_URI });
    expect(b2).toMatchObject({ 'object-uri': VSWITCH_B2_URI });
    expect(counts).toEqual({ 'GET /api/cpcs/{id}/virtual-switches': 2 });
    await expect(client.virtualSwitches.findByBacking(CPC_URI, OSA_URI, 3)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  test('NIC and HBA lifecycle on a new partition; connected vNICs', async () => {
    const part = await client.partitions.create(CPC_URI, { name: 'dev-1', ...PART });
    const nic = await client.nics.create(part, {
      name: 'eth0',
      'virtual-switch-uri': VSWITCH_B1_URI,
      'device-number': '1000',
    });
    expect(nic.startsWith(`${part}/nics/`)).toBe(true);
    expect(await client.virtualSwitches.getConnectedVnics(VSWITCH_B1_URI)).toContain(nic);
    expect((await client.nics.findByName(part, 'eth0'))['element-uri']).toBe(nic);
    await client.nics.update(nic, { description: 'primary' });
    expect((await client.nics.get(nic)).description).toBe('primary');

    const hba = await client.hbas.create(part, {
      name: 'hba0',
      'adapter-port-uri': storagePortUri(FCP1_URI, 0),
    });
    const hbaProps = await client.hbas.get(hba);
    expect(hbaProps.wwpn).toMatch(/^[0-9a-fA-F]{16}$/);
    expect(sameHex(hbaProps['device-number'], String(hbaProps['device-number']).toLowerCase())).toBe(true);
    expect((await client.hbas.list(part)).map((h) => h.name)).toEqual(['hba0']);

    expect(await requestsOf(() => client.nics.list(part))).toEqual({
      'GET /api/partitions/{id}': 1,
      'GET /api/partitions/{id}/nics/{nic-id}': 1,
    });
    await client.nics.delete(nic);
    await client.hbas.delete(hba);
    expect(await client.nics.list(part)).toEqual([]);
    expect(await client.virtualSwitches.getConnectedVnics(VSWITCH_B1_URI)).not.toContain(nic);
    await client.partitions.delete(part);
  });
});

test('sameHex compares device numbers, WWPNs and LUNs as hex values', () => {
  expect(sameHex('0x00AB', 'ab')).toBe(true);
  expect(sameHex('5005076300C213E5', '5005076300c213e5')).toBe(true);
  expect(sameHex('1000', '1001')).toBe(false);
  expect(sameHex('0', '0000')).toBe(true);
});
