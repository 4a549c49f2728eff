// The pure storage plans: the StorageGroup controller's next step (ownership, delete ordering, volume diff) and
// the Partition's attach/detach of storage groups and the wait on a pending boot volume.
import type { CpcSubset, StorageGroup } from '../../src/crds/index.js';
import type { DesiredPartition, ObservedPartition } from '../../src/controllers/partition/model.js';
import { planPartition, planStorageGroups } from '../../src/controllers/partition/plan.js';
import type { DesiredGroup, ObservedGroup, Observed } from '../../src/controllers/storagegroup/model.js';
import { resolveDesired, type StorageGroupSnapshot } from '../../src/controllers/storagegroup/observe.js';
import { planPass, volumeRequests } from '../../src/controllers/storagegroup/plan.js';

const subset = {
  metadata: { name: 'demo', namespace: 'ns' },
  spec: { storageAdapterPorts: [{ adapterObjectId: 'f1', port: 0 }] },
  status: {
    cpcUri: '/api/cpcs/c',
    storageModel: 'StorageGroups',
    conditions: [{ type: 'Ready', status: 'True' }],
  },
} as unknown as CpcSubset;

const cr = (over: Partial<StorageGroup['spec']> = {}, meta: object = {}): StorageGroup =>
  ({
    apiVersion: 'dpm.operator.dev/v1alpha1',
    kind: 'StorageGroup',
    metadata: { name: 'sg', namespace: 'ns', uid: 'u1', finalizers: ['dpm.operator.dev/finalizer'], ...meta },
    spec: {
      cpcSubsetRef: { name: 'demo' },
      shared: false,
      connectivity: 2,
      maxPartitions: 1,
      deletionPolicy: 'Delete',
      volumes: [
        { name: 'boot', sizeGiB: 32, usage: 'boot' },
        { name: 'data', sizeGiB: 100, usage: 'data' },
      ],
      candidateAdapterPorts: [{ adapterObjectId: 'f1', port: 0 }],
      ...over,
    },
  }) as StorageGroup;

const group = (over: Partial<ObservedGroup> = {}): ObservedGroup => ({
  uri: '/api/storage-groups/g',
  name: 'OpenStack-demo-u1',
  description: 'OpenStack CPCSubset=demo StorageGroup=u1',
  shared: false,
  connectivity: 2,
  maxPartitions: 1,
  fulfillmentState: 'pending',
  candidatePortUris: ['/api/adapters/f1/storage-ports/0'],
  volumes: [
    { uri: '/v/b', name: 'boot', sizeGiB: 32, usage: 'boot', description: '', fulfillmentState: 'pending' },
    { uri: '/v/d', name: 'data', sizeGiB: 100, usage: 'data', description: '', fulfillmentState: 'pending' },
  ],
  paths: [],
  attached: [],
  ...over,
});

function snap(
  c: StorageGroup,
  observed: Observed,
  over: Partial<StorageGroupSnapshot> = {},
): StorageGroupSnapshot {
  return {
    kind: 'storage-group',
    key: 'ns/sg',
    cr: c,
    subset,
    subsetReady: true,
    storageModel: 'StorageGroups',
    deleting: Boolean(c.metadata.deletionTimestamp),
    hasFinalizer: Boolean(c.metadata.finalizers?.length),
    usedBy: [],
    desired: resolveDesired(c, subset),
    observed,
    now: new Date(0),
    client: undefined,
    cpcUri: '/api/cpcs/c',
    ...over,
  };
}

describe('StorageGroup plan', () => {
  it('creates a missing group with its volumes; an in-sync group needs nothing', () => {
    const a = planPass(snap(cr(), { kind: 'absent' }));
    expect(a.kind).toBe('create');
    expect(a.kind === 'create' && a.desired.volumes.map((v) => v.name)).toEqual(['boot', 'data']);
    expect(planPass(snap(cr(), { kind: 'present', group: group() }))).toEqual({ kind: 'in-sync' });
  });

  it('never touches a group with our name but without our marker', () => {
    const a = planPass(snap(cr(), { kind: 'foreign', uri: '/api/storage-groups/x' }));
    expect(a).toMatchObject({ kind: 'blocked', reason: 'StorageGroupNameConflict' });
    const del = cr({}, { deletionTimestamp: '2026-01-01T00:00:00Z' });
    expect(planPass(snap(del, { kind: 'foreign', uri: '/api/storage-groups/x' })).kind).toBe('release');
  });

  it('creates, modifies and deletes volumes in one modify request', () => {
    const want = (
      resolveDesired(
        cr({
          volumes: [
            { name: 'boot', sizeGiB: 64, usage: 'boot' },
            { name: 'logs', sizeGiB: 10, usage: 'data' },
          ],
        }),
        subset,
      ) as { ok: true; value: DesiredGroup }
    ).value;
    expect(volumeRequests(want, group())).toEqual([
      { operation: 'modify', 'element-uri': '/v/b', size: 64 },
      { operation: 'create', name: 'logs', size: 10, usage: 'data' },
      { operation: 'delete', 'element-uri': '/v/d' },
    ]);
    const a = planPass(snap(cr({ shared: true, maxPartitions: 2 }), { kind: 'present', group: group() }));
    expect(a).toMatchObject({ kind: 'modify', settings: { shared: true, 'max-partitions': 2 }, volumes: [] });
  });

  it('adds missing candidate ports; refuses a port outside the subset before the HMC', () => {
    const a = planPass(snap(cr(), { kind: 'present', group: group({ candidatePortUris: [] }) }));
    expect(a).toEqual({
      kind: 'add-ports',
      uri: '/api/storage-groups/g',
      portUris: ['/api/adapters/f1/storage-ports/0'],
    });
    const bad = cr({ candidateAdapterPorts: [{ adapterObjectId: 'f9', port: 1 }] });
    expect(planPass(snap(bad, { kind: 'not-needed' }))).toMatchObject({
      kind: 'blocked',
      reason: 'InvalidSpec',
      message: expect.stringMatching(/spec\.candidateAdapterPorts\[0\]/),
    });
  });

  it('deletes in order: wait for Partitions that list it, detach each attachment, then delete; Orphan releases', () => {
    const del = cr({}, { deletionTimestamp: '2026-01-01T00:00:00Z' });
    const attached = group({ attached: [{ uri: '/api/partitions/p', name: 'P' }] });
    expect(planPass(snap(del, { kind: 'present', group: attached }, { usedBy: ['web-01'] }))).toMatchObject({
      kind: 'wait',
      reason: 'StorageGroupInUse',
    });
    expect(planPass(snap(del, { kind: 'present', group: attached }))).toMatchObject({
      kind: 'detach',
      partition: { uri: '/api/partitions/p' },
    });
    expect(planPass(snap(del, { kind: 'present', group: group() }))).toEqual({
      kind: 'delete',
      uri: '/api/storage-groups/g',
    });
    expect(planPass(snap(del, { kind: 'absent' })).kind).toBe('release');
    const orphan = cr({ deletionPolicy: 'Orphan' }, { deletionTimestamp: '2026-01-01T00:00:00Z' });
    expect(planPass(snap(orphan, { kind: 'present', group: attached }))).toMatchObject({ kind: 'release' });
  });

  it('fulfills a volume with spec fcpFulfillment once: one request while pending, none once complete', () => {
    const fcp = {
      targetWwpn: '500507680B21AC38',
      lun: '4001',
      adapterPort: { adapterObjectId: 'f1', port: 0 },
    };
    const c = cr({
      volumes: [
        { name: 'boot', sizeGiB: 32, usage: 'boot', fcpFulfillment: fcp },
        { name: 'data', sizeGiB: 100, usage: 'data' },
      ],
    });
    expect(planPass(snap(c, { kind: 'present', group: group() }))).toEqual({
      kind: 'fulfill',
      uri: '/api/storage-groups/g',
      volumeUri: '/v/b',
      volume: 'boot',
      wwpn: '500507680b21ac38',
      lun: '0000000000004001',
      adapterPortUri: '/api/adapters/f1/storage-ports/0',
    });
    const done = group({
      volumes: group().volumes.map((v) => (v.name === 'boot' ? { ...v, fulfillmentState: 'complete' } : v)),
    });
    expect(planPass(snap(c, { kind: 'present', group: done }))).toEqual({ kind: 'in-sync' });
    // The volume still being created on the HMC: nothing to fulfill yet.
    const noVol = group({ volumes: [] });
    expect(planPass(snap(c, { kind: 'present', group: noVol })).kind).toBe('modify');
  });

  it('boots a fulfilled volume through the first path, else the first candidate port; refuses a port outside the subset', () => {
    const c = cr({
      volumes: [
        {
          name: 'boot',
          sizeGiB: 32,
          usage: 'boot',
          fcpFulfillment: { targetWwpn: '500507680b21ac38', lun: '1' },
        },
      ],
    });
    const one = group({ volumes: [group().volumes[0]!] });
    const path = {
      uri: '/vsr/1',
      partitionUri: '/api/partitions/p',
      deviceNumber: '1a00',
      wwpn: 'c05076ffe5000012',
    };
    expect(
      planPass(
        snap(c, {
          kind: 'present',
          group: { ...one, paths: [{ ...path, adapterPortUri: '/api/adapters/f2/storage-ports/1' }] },
        }),
      ),
    ).toMatchObject({
      kind: 'fulfill',
      adapterPortUri: '/api/adapters/f2/storage-ports/1',
      lun: '0000000000000001',
    });
    expect(planPass(snap(c, { kind: 'present', group: one }))).toMatchObject({
      kind: 'fulfill',
      adapterPortUri: '/api/adapters/f1/storage-ports/0',
    });
    const bad = cr({
      volumes: [
        {
          name: 'boot',
          sizeGiB: 32,
          usage: 'boot',
          fcpFulfillment: {
            targetWwpn: '500507680b21ac38',
            lun: '1',
            adapterPort: { adapterObjectId: 'f9', port: 0 },
          },
        },
      ],
    });
    expect(planPass(snap(bad, { kind: 'not-needed' }))).toMatchObject({
      kind: 'blocked',
      reason: 'InvalidSpec',
      message: expect.stringMatching(/spec\.volumes\[0\]\.fcpFulfillment\.adapterPort/),
    });
  });

  it('an HMC that does not answer is retried, never taken for an absent group', () => {
    expect(planPass(snap(cr(), { kind: 'unknown', error: new Error('ECONNRESET') })).kind).toBe('wait');
  });
});

const desired = (over: Partial<DesiredPartition> = {}): DesiredPartition => ({
  hmcName: 'p',
  description: 'OpenStack CPCSubset=demo',
  ifls: 1,
  processorMode: 'shared',
  initialMemoryMiB: 1024,
  maximumMemoryMiB: 1024,
  powerState: 'Active',
  boot: {
    type: 'StorageVolume',
    volumeUri: '/api/storage-groups/g/storage-volumes/b',
    volumeName: 'boot',
    groupLabel: 'sg',
    fulfillmentState: 'pending',
  },
  updateStrategy: 'WhileStopped',
  nics: [],
  hbas: [],
  storageGroups: [{ label: 'sg', ref: 'sg', uri: '/api/storage-groups/g', hmcName: 'G' }],
  ...over,
});

const observedPartition = (over: Partial<ObservedPartition> = {}): ObservedPartition => ({
  uri: '/api/partitions/p',
  name: 'p',
  description: 'OpenStack CPCSubset=demo',
  status: 'stopped',
  ifls: 1,
  processorMode: 'shared',
  initialMemoryMiB: 1024,
  maximumMemoryMiB: 1024,
  bootDevice: 'storage-volume',
  bootStorageVolume: '/api/storage-groups/g/storage-volumes/b',
  bootOsSpecificParameters: '',
  storageGroupUris: ['/api/storage-groups/g'],
  nics: [],
  hbas: [],
  ...over,
});

describe('Partition storage plan', () => {
  it('attaches a listed group, then sets the boot volume', () => {
    expect(planPartition(desired(), observedPartition({ storageGroupUris: [] }))).toEqual({
      kind: 'attach-storage-group',
      uri: '/api/storage-groups/g',
      name: 'G',
    });
    expect(
      planPartition(desired(), observedPartition({ bootDevice: 'none', bootStorageVolume: null })),
    ).toEqual({
      kind: 'update-partition',
      props: {
        'boot-device': 'storage-volume',
        'boot-storage-volume': '/api/storage-groups/g/storage-volumes/b',
      },
      why: 'boot properties',
    });
  });

  it('waits (does not start, does not fail) while the boot volume is pending; starts once complete', () => {
    expect(planPartition(desired(), observedPartition())).toMatchObject({
      kind: 'wait',
      reason: 'BootVolumePending',
      message: expect.stringMatching(/boot volume boot of storage group sg is pending/),
    });
    const complete = desired({
      boot: { ...(desired().boot as object), fulfillmentState: 'complete' } as DesiredPartition['boot'],
    });
    expect(planPartition(complete, observedPartition())).toEqual({ kind: 'start' });
  });

  it('detaches only a group this operator attached and the spec dropped', () => {
    const o = observedPartition({
      storageGroupUris: ['/api/storage-groups/g', '/api/storage-groups/foreign'],
    });
    const none = desired({ storageGroups: [] });
    expect(planStorageGroups(none, o, [])).toBeUndefined();
    expect(planStorageGroups(none, o, ['/api/storage-groups/g'])).toEqual({
      kind: 'detach-storage-group',
      uri: '/api/storage-groups/g',
      name: '/api/storage-groups/g',
    });
  });
});
