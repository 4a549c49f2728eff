// The HMC client's storage modules (storage groups, volumes, virtual storage resources, attach/detach)
// against the simulator's current-machine seed (z16, dpm-storage-management on), and on the z13 seed the
// HMC's refusal (storage groups do not exist there). One request per call, typed errors.
import type { HmcClient } from '../../src/hmc/client.js';
import { HmcHttpError, isNotFound, isWrongState } from '../../src/hmc/errors.js';
import type { RunningSimulator } from '../../src/hmc-simulator/index.js';
import { CPC_URI, FCP1_URI, FCP2_URI, connect, routeCount, startSim } from './helpers.js';

describe('storage groups, volumes and VSRs (z16 seed)', () => {
  let sim: RunningSimulator;
  let hmc: HmcClient;

  beforeAll(async () => {
    sim = await startSim({ seedName: 'current' });
    hmc = await connect(sim, { notifications: false });
  });
  afterAll(async () => {
    await hmc?.close();
    await sim?.stop();
  });

  it('creates a group with volumes, finds it by name, lists and changes its volumes in one request each', async () => {
    const uri = await hmc.storageGroups.create({
      name: 'CLIENT-SG',
      'cpc-uri': CPC_URI,
      type: 'fcp',
      shared: false,
      connectivity: 2,
      'max-partitions': 1,
      'storage-volumes': [{ operation: 'create', name: 'boot', size: 16, usage: 'boot' }],
    });
    expect(uri).toMatch(/^\/api\/storage-groups\/[^/]+$/);
    await sim.admin.resetStats();
    const found = await hmc.storageGroups.tryFindByName(CPC_URI, 'CLIENT-SG');
    expect(found?.['object-uri']).toBe(uri);
    expect(await hmc.storageGroups.tryFindByName(CPC_URI, 'CLIENT-SG.')).toBeUndefined(); // literal, not a regex
    expect(await routeCount(sim, 'GET /api/storage-groups')).toBe(2);

    const [created] = await hmc.storageVolumes.apply(uri, [
      { operation: 'create', name: 'data', size: 8, usage: 'data', description: 'd' },
    ]);
    expect(created).toMatch(new RegExp(`^${uri}/storage-volumes/`));
    const vols = await hmc.storageVolumes.list(uri, ['description']);
    expect(vols.map((v) => [v.name, v.size, v.usage, v['fulfillment-state']]).sort()).toEqual([
      ['boot', 16, 'boot', 'pending'],
      ['data', 8, 'data', 'pending'],
    ]);
    expect(vols.find((v) => v.name === 'data')?.description).toBe('d');
    await hmc.storageVolumes.apply(uri, [{ operation: 'delete', 'element-uri': created! }]);
    expect((await hmc.storageVolumes.list(uri)).map((v) => v.name)).toEqual(['boot']);

    await hmc.storageGroups.addCandidatePorts(uri, [
      `${FCP1_URI}/storage-ports/0`,
      `${FCP2_URI}/storage-ports/0`,
    ]);
    expect(
      (await hmc.storageGroups.get(uri, ['candidate-adapter-port-uris']))['candidate-adapter-port-uris'],
    ).toEqual([`${FCP1_URI}/storage-ports/0`, `${FCP2_URI}/storage-ports/0`]);
  });

  it('attach creates the VSRs (device number + virtual WWPN per path); delete is refused while attached', async () => {
    const uri = (await hmc.storageGroups.tryFindByName(CPC_URI, 'CLIENT-SG'))!['object-uri'];
    const part = await hmc.partitions.create(CPC_URI, {
      name: 'client-sg-part',
      'ifl-processors': 1,
      'initial-memory': 1024,
      'maximum-memory': 1024,
    });
    await hmc.storageGroups.attach(part, uri);
    expect((await hmc.storageGroups.attachedPartitions(uri)).map((p) => p['object-uri'])).toEqual([part]);
    const vsrs = await hmc.virtualStorageResources.list(uri, { 'partition-uri': part }, [
      'world-wide-port-name',
    ]);
    expect(vsrs).toHaveLength(2);
    for (const r of vsrs) {
      expect(r['world-wide-port-name']).toMatch(/^[0-9a-f]{16}$/i);
      expect(r['device-number']).toMatch(/^[0-9a-f]{4}$/i);
    }
    const err = await hmc.storageGroups.delete(uri).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HmcHttpError);
    expect(isWrongState(err)).toBe(true);

    await hmc.storageGroups.detach(part, uri);
    expect(await hmc.virtualStorageResources.list(uri)).toEqual([]);
    await hmc.partitions.delete(part);
  });

  it('fulfill-fcp-storage-volume makes the boot volume and the group complete; delete removes the group', async () => {
    const uri = (await hmc.storageGroups.tryFindByName(CPC_URI, 'CLIENT-SG'))!['object-uri'];
    const [boot] = await hmc.storageVolumes.list(uri);
    await hmc.storageVolumes.fulfillFcp(boot!['element-uri'], {
      wwpn: '500507680B2145F0',
      lun: '1',
      adapterPortUri: `${FCP1_URI}/storage-ports/0`,
    });
    expect((await hmc.storageVolumes.get(boot!['element-uri']))['fulfillment-state']).toBe('complete');
    expect((await hmc.storageGroups.get(uri, ['fulfillment-state']))['fulfillment-state']).toBe('complete');
    await hmc.storageGroups.delete(uri);
    const gone = await hmc.storageGroups.get(uri).catch((e: unknown) => e);
    expect(isNotFound(gone)).toBe(true);
    await hmc.storageGroups.delete(uri); // an already deleted group counts as success
  });
});

describe('storage groups on the z13 seed (no dpm-storage-management)', () => {
  it('create is refused with a typed HMC error', async () => {
    const sim = await startSim();
    const hmc = await connect(sim, { notifications: false });
    try {
      const err = await hmc.storageGroups
        .create({ name: 'NOPE', 'cpc-uri': CPC_URI, type: 'fcp' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HmcHttpError);
      expect((err as HmcHttpError).httpStatus).toBe(409);
    } finally {
      await hmc.close();
      await sim.stop();
    }
  });
});
