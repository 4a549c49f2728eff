// The z14+ build steps of the bridge (buildOnStorageGroups) against a recording store: the order of the
// CR writes, the connector's WWPNs, the fulfillment written from the connection info, and a StorageGroup
// that cannot reach the HMC failing the build before any Partition exists.
import type { Partition, StorageGroup } from '../../src/crds/index.js';
import type { CrStore } from '../../src/nova-bridge/cr-store.js';
import { makeObject, readBlockDeviceMappings, readInstance } from '../../src/nova-bridge/objects.js';
import { buildOnStorageGroups, storageGroupFailure } from '../../src/nova-bridge/storage-group-build.js';
import { translateBuild, type SubsetView } from '../../src/nova-bridge/translate.js';

const UUID = '11111111-2222-4333-8444-555555555555';
const SG = `${UUID}-storage`;
const subset: SubsetView = {
  name: 'z16',
  storageAdapterPorts: [
    { adapterObjectId: 'f1', port: 0 },
    { adapterObjectId: 'f2', port: 0 },
  ],
  targetWwpnIgnoreList: [],
  storageModel: 'StorageGroups',
};
const desired = () =>
  translateBuild({
    instance: readInstance(
      makeObject('Instance', {
        uuid: UUID,
        flavor: makeObject('Flavor', { vcpus: 1, memory_mb: 1024 }),
        info_cache: makeObject('InstanceInfoCache', {
          network_info: JSON.stringify([
            { id: 'v0', address: 'fa:16:3e:00:00:01', type: 'dpm_vswitch', details: { object_id: 'b1' } },
          ]),
        }),
      }),
    ),
    bdms: readBlockDeviceMappings([
      makeObject('BlockDeviceMapping', {
        boot_index: 0,
        volume_id: 'vol',
        attachment_id: 'att',
        volume_size: 10,
      }),
    ]),
    subset,
  });

const onHmc = {
  metadata: { name: SG },
  status: {
    groupUri: '/api/storage-groups/g',
    volumes: [{ name: 'boot', uri: '/api/storage-groups/g/storage-volumes/b' }],
  },
} as unknown as StorageGroup;
const attached = {
  status: {
    nics: [{ name: `${UUID}-nic-0`, deviceNumber: '0100' }],
    storageGroups: [
      {
        name: 'G',
        storageGroupRef: SG,
        attached: true,
        paths: [
          { wwpn: 'c05076ffe5000010', adapterPortUri: '/api/adapters/f1/storage-ports/0' },
          { wwpn: 'c05076ffe5000011', adapterPortUri: '/api/adapters/f2/storage-ports/0' },
        ],
      },
    ],
  },
} as unknown as Partition;

function recordingStore(group: StorageGroup) {
  const calls: [string, unknown][] = [];
  const store = {
    createStorageGroup: async (b: unknown) => (calls.push(['createStorageGroup', b]), true),
    waitForStorageGroup: async (_n: string, check: (g: StorageGroup) => boolean) => {
      calls.push(['waitForStorageGroup', check(group)]);
      return group;
    },
    createAbsent: async (d: { partition: unknown; hbas: unknown[] }) => (
      calls.push(['createAbsent', d]),
      { created: 1 }
    ),
    patchStorageGroupSpec: async (n: string, s: unknown) => calls.push(['patchStorageGroupSpec', [n, s]]),
    patchPartitionSpec: async (n: string, s: unknown) => calls.push(['patchPartitionSpec', [n, s]]),
  };
  return { calls, store: store as unknown as CrStore };
}

describe('buildOnStorageGroups', () => {
  it('StorageGroup first, Partition once the group is on the HMC, cinder with the path WWPNs, fulfillment, then Active', async () => {
    const { calls, store } = recordingStore(onHmc);
    const connected: string[][] = [];
    const d = desired();
    await buildOnStorageGroups(
      {
        store,
        timeoutMs: 1000,
        waitForPartition: async (check) => {
          calls.push(['waitForPartition', check(attached)]);
          return attached;
        },
        connect: async (wwpns) => {
          connected.push(wwpns);
          return {
            targetLun: 5,
            targetWwns: ['500507680b21ac38'],
            initiatorTargetMap: { c05076ffe5000011: ['500507680b21ac38'] },
          };
        },
        spawning: async () => void calls.push(['spawning', null]),
      },
      d,
      subset,
    );
    expect(calls.map(([k]) => k)).toEqual([
      'createStorageGroup',
      'waitForStorageGroup',
      'createAbsent',
      'waitForPartition',
      'patchStorageGroupSpec',
      'spawning',
      'patchPartitionSpec',
      'waitForPartition',
    ]);
    expect(calls[0]![1]).toBe(d.storageGroup);
    expect((calls[2]![1] as { hbas: unknown[] }).hbas).toEqual([]);
    expect(connected).toEqual([['c05076ffe5000010', 'c05076ffe5000011']]);
    expect(calls[4]![1]).toEqual([
      SG,
      {
        volumes: [
          {
            name: 'boot',
            sizeGiB: 10,
            usage: 'boot',
            fcpFulfillment: {
              targetWwpn: '500507680b21ac38',
              lun: '0005000000000000',
              adapterPort: { adapterObjectId: 'f2', port: 0 },
            },
          },
        ],
      },
    ]);
    expect(calls[6]![1]).toEqual([UUID, { powerState: 'Active' }]);
  });

  it('fails before creating the Partition when the StorageGroup cannot reach the HMC', async () => {
    const blocked = {
      metadata: { name: SG },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'StorageManagementNotAvailable',
            message: 'z13',
            lastTransitionTime: '',
          },
        ],
      },
    } as unknown as StorageGroup;
    expect(storageGroupFailure(blocked)).toBe(`StorageGroup ${SG}: StorageManagementNotAvailable: z13`);
    const pending = {
      ...blocked,
      status: { conditions: [{ ...blocked.status!.conditions![0]!, reason: 'Creating' }] },
    };
    expect(storageGroupFailure(pending as StorageGroup)).toBeUndefined();
    const { calls, store } = recordingStore(blocked);
    const err = await buildOnStorageGroups(
      {
        store,
        timeoutMs: 1000,
        waitForPartition: async () => undefined,
        connect: async () => ({ targetLun: 1, targetWwns: [] }),
        spawning: async () => undefined,
      },
      desired(),
      subset,
    ).catch((e: unknown) => e);
    expect(String(err)).toContain('StorageManagementNotAvailable');
    expect(calls.map(([k]) => k)).toEqual(['createStorageGroup', 'waitForStorageGroup']);
  });
});
