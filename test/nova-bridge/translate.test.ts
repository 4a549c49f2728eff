import { TranslateError } from '../../src/nova-bridge/errors.js';
import {
  applyUpdates,
  makeObject,
  readBlockDeviceMappings,
  readInstance,
  withChanges,
} from '../../src/nova-bridge/objects.js';
import {
  adapterPortOf,
  lunToHex,
  resolveBoot,
  resolveFulfillment,
  translateBuild,
} from '../../src/nova-bridge/translate.js';
import { computeNodeResources, computeNodeUuid, hypervisorVersion } from '../../src/nova-bridge/service.js';
import {
  devicesReady,
  hbaWwpns,
  partitionFailure,
  storagePaths,
} from '../../src/nova-bridge/partition-state.js';
import type { Partition } from '../../src/crds/index.js';

const UUID = '11111111-2222-4333-8444-555555555555';
const instancePrimitive = (vifs: object[]) =>
  makeObject(
    'Instance',
    {
      uuid: UUID,
      display_name: 'vm1',
      flavor: makeObject('Flavor', { vcpus: 3, memory_mb: 2048 }),
      info_cache: makeObject('InstanceInfoCache', { network_info: JSON.stringify(vifs) }),
      task_state: 'scheduling',
    },
    [],
    '2.8',
  );
const vif = (i: number, extra: object = {}) => ({
  id: `v${i}`,
  address: `FA:16:3E:00:00:0${i}`,
  type: 'dpm_vswitch',
  details: { object_id: `a1b2c3d4-0000-4000-8000-0000000000b${i}` },
  ...extra,
});
const bdmList = (data: object, type = 'fibre_channel') =>
  makeObject('BlockDeviceMappingList', {
    objects: [
      makeObject('BlockDeviceMapping', {
        boot_index: 0,
        volume_id: 'vol1',
        connection_info: JSON.stringify({ driver_volume_type: type, data }),
      }),
    ],
  });
const subset = {
  name: 'demo',
  storageAdapterPorts: [
    { adapterObjectId: 'f1', port: 0 },
    { adapterObjectId: 'f2', port: 1 },
  ],
  targetWwpnIgnoreList: ['0x500507680B2145F0'],
};

describe('translateBuild', () => {
  it('maps flavor, VIFs, HBAs and the FC boot volume (ignore list, hex LUN, case-insensitive)', () => {
    const d = translateBuild({
      instance: readInstance(instancePrimitive([vif(1), vif(2)])),
      bdms: readBlockDeviceMappings(
        bdmList({ target_lun: 2, target_wwn: ['500507680b2145f0', '500507680B2145F1'] }),
      ),
      subset,
    });
    expect(d.partition.metadata).toEqual({
      name: UUID,
      labels: { 'dpm.operator.dev/nova-instance': UUID, 'dpm.operator.dev/nova-host': 'demo' },
    });
    expect(d.partition.spec).toMatchObject({
      cpcSubsetRef: { name: 'demo' },
      processors: { ifls: 3 },
      memory: { initialMiB: 2048, maximumMiB: 2048 },
      powerState: 'Stopped',
      deletionPolicy: 'Delete',
      boot: {
        type: 'FcpVolume',
        fcpVolume: {
          hbaRef: { name: `${UUID}-hba-0` },
          targetWwpn: '500507680b2145f1',
          lun: '0002000000000000',
        },
      },
    });
    expect(d.hbas.map((h) => h.spec.adapterPort)).toEqual([
      { adapterObjectId: 'f1', port: 0 },
      { adapterObjectId: 'f2', port: 1 },
    ]);
    expect(
      d.nics.map((n) => [n.metadata.name, n.spec.mac, n.spec.virtualSwitch.objectId, n.spec.port]),
    ).toEqual([
      [`${UUID}-nic-0`, 'fa:16:3e:00:00:01', 'a1b2c3d4-0000-4000-8000-0000000000b1', 0],
      [`${UUID}-nic-1`, 'fa:16:3e:00:00:02', 'a1b2c3d4-0000-4000-8000-0000000000b2', 0],
    ]);
    expect(d.bootPending).toBe(false);
  });

  it('with an initiator_target_map waits for the WWPNs, then boots through the matching HBA', () => {
    const fc = {
      targetLun: 1,
      targetWwns: [],
      initiatorTargetMap: { C05076FFE5000011: ['500507680b2145f0', '500507680b2145f9'] },
    };
    const names = ['h0', 'h1'];
    expect(resolveBoot(fc, names, subset.targetWwpnIgnoreList)).toBe('pending');
    expect(
      resolveBoot(fc, names, subset.targetWwpnIgnoreList, { h0: 'c05076ffe5000010', h1: 'c05076ffe5000011' }),
    ).toEqual({
      hbaRef: { name: 'h1' },
      targetWwpn: '500507680b2145f9',
      lun: '0001000000000000',
    });
    expect(() => resolveBoot(fc, names, [], { h0: 'aa', h1: 'bb' })).toThrow(TranslateError);
    const d = translateBuild({
      instance: readInstance(instancePrimitive([])),
      bdms: readBlockDeviceMappings(
        bdmList({ target_lun: 1, initiator_target_map: { x: ['500507680b2145f9'] } }),
      ),
      subset,
    });
    expect(d.bootPending).toBe(true);
    expect(d.partition.spec).toMatchObject({ powerState: 'Stopped', boot: { type: 'None' } });
  });

  it.each([
    ['an image boot', [vif(1)], null, 'BootFromImageNotSupported'],
    ['an iSCSI volume', [vif(1)], bdmList({ target_lun: 1 }, 'iscsi'), 'InvalidRequest'],
    [
      'only ignored targets',
      [vif(1)],
      bdmList({ target_lun: 1, target_wwn: '500507680b2145f0' }),
      'InvalidRequest',
    ],
    [
      'a non-DPM VIF',
      [vif(1, { type: 'ovs' })],
      bdmList({ target_lun: 1, target_wwn: 'ab' }),
      'InvalidRequest',
    ],
    [
      'a VLAN',
      [vif(1, { details: { object_id: 'b1', vlan: 10 } })],
      bdmList({ target_lun: 1, target_wwn: 'ab' }),
      'InvalidRequest',
    ],
    [
      '13 NICs',
      Array.from({ length: 13 }, (_, i) => vif(i)),
      bdmList({ target_lun: 1, target_wwn: 'ab' }),
      'InvalidRequest',
    ],
  ])('refuses %s', (_what, vifs, bdms, cls) => {
    let err: unknown;
    try {
      translateBuild({
        instance: readInstance(instancePrimitive(vifs)),
        bdms: readBlockDeviceMappings(bdms),
        subset,
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TranslateError);
    expect((err as TranslateError).novaClass).toBe(cls);
  });

  it('on a storage-groups subset: a StorageGroup of the instance with the boot volume, no HBAs, boot from the volume', () => {
    const attachOnly = makeObject('BlockDeviceMappingList', {
      objects: [
        makeObject('BlockDeviceMapping', {
          boot_index: 0,
          volume_id: 'vol1',
          attachment_id: 'att1',
          volume_size: 20,
        }),
      ],
    });
    const d = translateBuild({
      instance: readInstance(instancePrimitive([vif(1)])),
      bdms: readBlockDeviceMappings(attachOnly),
      subset: { ...subset, storageModel: 'StorageGroups' },
    });
    const sg = `${UUID}-storage`;
    expect(d.hbas).toEqual([]);
    expect(d.nics).toHaveLength(1);
    expect(d.bootPending).toBe(false);
    expect(d.partition.spec).toMatchObject({
      powerState: 'Stopped',
      storageGroups: [{ storageGroupRef: { name: sg } }],
      boot: { type: 'StorageVolume', storageVolume: { storageGroupRef: { name: sg }, volume: 'boot' } },
    });
    expect(d.storageGroup).toEqual({
      apiVersion: 'dpm.operator.dev/v1alpha1',
      kind: 'StorageGroup',
      metadata: { name: sg, labels: d.partition.metadata.labels },
      spec: {
        cpcSubsetRef: { name: 'demo' },
        description: `Nova instance ${UUID}`,
        connectivity: 2,
        volumes: [{ name: 'boot', sizeGiB: 20, usage: 'boot' }],
        candidateAdapterPorts: subset.storageAdapterPorts,
        deletionPolicy: 'Delete',
      },
    });
    // The HBA model (z13, or a subset whose model is not known yet) has no StorageGroup.
    expect(
      translateBuild({
        instance: readInstance(instancePrimitive([])),
        bdms: readBlockDeviceMappings(attachOnly),
        subset: { ...subset, storageModel: 'Hbas' },
      }).storageGroup,
    ).toBeUndefined();
  });

  it('fulfills the boot volume from the connection info through the path whose virtual WWPN is an initiator', () => {
    const paths = [
      { wwpn: 'c05076ffe5000010', adapterPortUri: '/api/adapters/f1/storage-ports/0' },
      { wwpn: 'c05076ffe5000011', adapterPortUri: '/api/adapters/f2/storage-ports/1' },
    ];
    const fc = {
      targetLun: 7,
      targetWwns: ['500507680b2145f0', '500507680b2145f9'],
      initiatorTargetMap: { C05076FFE5000011: ['500507680B2145F0', '500507680b2145f9'] },
    };
    expect(resolveFulfillment(fc, paths, subset.targetWwpnIgnoreList)).toEqual({
      targetWwpn: '500507680b2145f9',
      lun: '0007000000000000',
      adapterPort: { adapterObjectId: 'f2', port: 1 },
    });
    // No map: the first path and the first usable target.
    expect(resolveFulfillment({ targetLun: 300, targetWwns: fc.targetWwns }, paths, [])).toEqual({
      targetWwpn: '500507680b2145f0',
      lun: '412c000000000000',
      adapterPort: { adapterObjectId: 'f1', port: 0 },
    });
    expect(() => resolveFulfillment(fc, [], [])).toThrow(TranslateError);
    expect(() => adapterPortOf('/api/adapters/f1/network-ports/0')).toThrow(TranslateError);
  });

  it.each([
    [0, '0000000000000000'],
    [1, '0001000000000000'],
    [255, '00ff000000000000'],
    [256, '4100000000000000'],
    ['0x0001000000000000', '0001000000000000'],
  ])('LUN %s -> %s', (lun, hex) => expect(lunToHex(lun)).toBe(hex));
});

describe('object primitives', () => {
  it('sends only the changed fields and applies the conductor updates', () => {
    const inst = instancePrimitive([]);
    const changed = withChanges(inst, { vm_state: 'active', task_state: null });
    expect(changed['nova_object.changes']).toEqual(['vm_state', 'task_state']);
    expect(changed['nova_object.version']).toBe('2.8');
    expect((changed['nova_object.data'].flavor as object)['nova_object.changes' as never]).toBeUndefined();
    const after = applyUpdates(changed, { updated_at: '2026-01-01T00:00:00Z', obj_what_changed: [] });
    expect(after['nova_object.data']).toMatchObject({
      vm_state: 'active',
      updated_at: '2026-01-01T00:00:00Z',
    });
    expect(after['nova_object.data']).not.toHaveProperty('obj_what_changed');
  });
});

describe('resources and partition state', () => {
  const p = (ifls: number, mem: number) =>
    ({ spec: { processors: { ifls }, memory: { initialMiB: mem } } }) as Partition;
  it('reports MAX of IFLs and SUM of initial memory against the subset limits', () => {
    const r = computeNodeResources(
      { spec: { limits: { maxProcessors: 8, maxMemoryMiB: 16384, maxPartitions: 4 } } } as never,
      [p(2, 4096), p(4, 1024)],
      'demo',
      '2.13.1',
    );
    expect(r).toMatchObject({
      vcpus: 8,
      vcpus_used: 4,
      memory_mb: 16384,
      memory_mb_used: 5120,
      free_ram_mb: 11264,
      running_vms: 2,
      hypervisor_type: 'PRSM',
      hypervisor_version: 2013001,
    });
    expect(hypervisorVersion('2.16.0')).toBe(2016000);
    expect(computeNodeUuid('demo')).toBe(computeNodeUuid('demo'));
    expect(computeNodeUuid('demo')).not.toBe(computeNodeUuid('other'));
    expect(computeNodeUuid('demo')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('reads failures and HBA WWPNs from the Partition status', () => {
    const failed = {
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'VirtualSwitchNotFound',
            message: 'no b9',
            lastTransitionTime: '',
          },
        ],
      },
    } as unknown as Partition;
    expect(partitionFailure(failed)).toBe('VirtualSwitchNotFound: no b9');
    const pending = {
      status: {
        phase: 'Creating',
        conditions: [{ type: 'Ready', status: 'False', reason: 'Creating', lastTransitionTime: '' }],
      },
    } as unknown as Partition;
    expect(partitionFailure(pending)).toBeUndefined();
    expect(hbaWwpns({ status: { hbas: [{ name: 'a', wwpn: 'c0' }, { name: 'b' }] } } as Partition)).toEqual({
      a: 'c0',
    });
  });
});

describe('devicesReady', () => {
  const withStatus = (status: Partition['status']): Partition => ({ status }) as Partition;
  it('holds only when every NIC has a device number and every HBA a WWPN', () => {
    const nics = ['n0', 'n1'];
    const hbas = ['h0'];
    expect(devicesReady(undefined, nics, hbas)).toBe(false);
    expect(
      devicesReady(
        withStatus({
          nics: [{ name: 'n0', deviceNumber: '0001' }],
          hbas: [{ name: 'h0', wwpn: 'c05076ffe5000001' }],
        }),
        nics,
        hbas,
      ),
    ).toBe(false);
    expect(
      devicesReady(
        withStatus({
          nics: [{ name: 'n0', deviceNumber: '0001' }, { name: 'n1' }],
          hbas: [{ name: 'h0', wwpn: 'c05076ffe5000001' }],
        }),
        nics,
        hbas,
      ),
    ).toBe(false);
    expect(
      devicesReady(
        withStatus({
          nics: [
            { name: 'n0', deviceNumber: '0001' },
            { name: 'n1', deviceNumber: '0004' },
          ],
          hbas: [{ name: 'h0', wwpn: 'c05076ffe5000001' }],
        }),
        nics,
        hbas,
      ),
    ).toBe(true);
  });
});

describe('storagePaths', () => {
  const p = (g: object) => ({ status: { storageGroups: [g] } }) as unknown as Partition;
  const path = (wwpn?: string) => ({
    deviceNumber: '1a00',
    wwpn,
    adapterPortUri: '/api/adapters/f1/storage-ports/0',
  });
  it('gives the paths of the named StorageGroup once it is attached and every path has a WWPN', () => {
    const g = { name: 'G', storageGroupRef: 'sg', uri: '/api/storage-groups/g' };
    expect(storagePaths(undefined, 'sg')).toBeUndefined();
    expect(storagePaths(p({ ...g, attached: false, paths: [path('c0')] }), 'sg')).toBeUndefined();
    expect(storagePaths(p({ ...g, attached: true, paths: [] }), 'sg')).toBeUndefined();
    expect(storagePaths(p({ ...g, attached: true, paths: [path('c0'), path()] }), 'sg')).toBeUndefined();
    expect(storagePaths(p({ ...g, attached: true, paths: [path('c0')] }), 'other')).toBeUndefined();
    expect(storagePaths(p({ ...g, attached: true, paths: [path('c0')] }), 'sg')).toEqual([
      { wwpn: 'c0', adapterPortUri: '/api/adapters/f1/storage-ports/0' },
    ]);
  });
});
