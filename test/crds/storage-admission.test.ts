// Storage on the real kube-apiserver: the StorageGroup CRD (defaults, rejections naming the field) and the
// storage parts of Partition (spec.storageGroups, boot from a storage volume) and CpcSubset (storageModel).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { API_GROUP, API_GROUP_VERSION, API_VERSION, KIND, PLURAL } from '../../src/crds/index.js';
import { freshNamespace, kubeConfig } from '../harness/kube.js';
import { type Obj, create, get, installCrds, rejection, replace, samplesDir } from './helpers.js';

const kc = kubeConfig();
let ns: string;

const storageGroup = (mutate: (spec: Record<string, unknown>) => void = () => undefined): Obj => {
  const spec: Record<string, unknown> = {
    cpcSubsetRef: { name: 'subset-a' },
    volumes: [
      { name: 'boot', sizeGiB: 32, usage: 'boot' },
      { name: 'data', sizeGiB: 100 },
    ],
    candidateAdapterPorts: [{ adapterObjectId: 'a1b2c3d4-0000-4000-8000-0000000000f1', port: 0 }],
  };
  mutate(spec);
  return { apiVersion: API_GROUP_VERSION, kind: KIND.StorageGroup, metadata: { name: 'sg1' }, spec };
};

const partition = (mutate: (spec: Record<string, unknown>) => void = () => undefined): Obj => {
  const spec: Record<string, unknown> = {
    cpcSubsetRef: { name: 'subset-a' },
    processors: { ifls: 1 },
    memory: { initialMiB: 1024, maximumMiB: 2048 },
    storageGroups: [{ storageGroupRef: { name: 'sg1' } }, { name: 'SHARED-DATA' }],
    boot: { type: 'StorageVolume', storageVolume: { storageGroupRef: { name: 'sg1' }, volume: 'boot' } },
  };
  mutate(spec);
  return { apiVersion: API_GROUP_VERSION, kind: KIND.Partition, metadata: { name: 'p1' }, spec };
};

beforeAll(async () => {
  await installCrds(kc);
  ns = await freshNamespace(kc, 'crds-storage');
});

describe('StorageGroup admission', () => {
  it('accepts a group and fills the defaults (not shared, 2 paths, 1 partition, Delete, usage data)', async () => {
    const out = await create(kc, ns, storageGroup(), true);
    const spec = out.spec as Record<string, unknown> & { volumes: { usage: string }[] };
    expect(spec.shared).toBe(false);
    expect(spec.connectivity).toBe(2);
    expect(spec.maxPartitions).toBe(1);
    expect(spec.deletionPolicy).toBe('Delete');
    expect(spec.volumes.map((v) => v.usage)).toEqual(['boot', 'data']);
  });

  it.each([
    ['a size of 0', (s: Record<string, unknown>) => (s.volumes = [{ name: 'v', sizeGiB: 0 }]), /sizeGiB/],
    [
      'a negative size',
      (s: Record<string, unknown>) => (s.volumes = [{ name: 'v', sizeGiB: -5 }]),
      /sizeGiB/,
    ],
    [
      'a fractional size',
      (s: Record<string, unknown>) => (s.volumes = [{ name: 'v', sizeGiB: 1.5 }]),
      /sizeGiB/,
    ],
    [
      'an unknown usage',
      (s: Record<string, unknown>) => (s.volumes = [{ name: 'v', sizeGiB: 1, usage: 'swap' }]),
      /spec\.volumes\[0\]\.usage.*Unsupported value: "swap"/,
    ],
    [
      'a volume named twice',
      (s: Record<string, unknown>) =>
        (s.volumes = [
          { name: 'v', sizeGiB: 1 },
          { name: 'v', sizeGiB: 2 },
        ]),
      /spec\.volumes\[1\].*Duplicate value/,
    ],
    [
      'maxPartitions > 1 on a group that is not shared',
      (s: Record<string, unknown>) => (s.maxPartitions = 3),
      /spec\.maxPartitions: Invalid value.*must be 1 unless spec\.shared is true/,
    ],
    ['connectivity 0', (s: Record<string, unknown>) => (s.connectivity = 0), /spec\.connectivity/],
    [
      'a port outside 0-3',
      (s: Record<string, unknown>) =>
        (s.candidateAdapterPorts = [{ adapterObjectId: 'a1b2c3d4-0000-4000-8000-0000000000f1', port: 4 }]),
      /spec\.candidateAdapterPorts\[0\]\.port/,
    ],
    [
      'a fulfillment target WWPN that is not 16 hex digits',
      (s: Record<string, unknown>) =>
        (s.volumes = [
          { name: 'v', sizeGiB: 1, fcpFulfillment: { targetWwpn: '500507680b21ac3', lun: '1' } },
        ]),
      /spec\.volumes\[0\]\.fcpFulfillment\.targetWwpn/,
    ],
    [
      'an all-zero fulfillment target WWPN',
      (s: Record<string, unknown>) =>
        (s.volumes = [
          { name: 'v', sizeGiB: 1, fcpFulfillment: { targetWwpn: '0000000000000000', lun: '1' } },
        ]),
      /spec\.volumes\[0\]\.fcpFulfillment\.targetWwpn.*must not be all zeros/,
    ],
    [
      'a fulfillment LUN longer than 16 hex digits',
      (s: Record<string, unknown>) =>
        (s.volumes = [
          {
            name: 'v',
            sizeGiB: 1,
            fcpFulfillment: { targetWwpn: '500507680b21ac38', lun: '40010000000000001' },
          },
        ]),
      /spec\.volumes\[0\]\.fcpFulfillment\.lun/,
    ],
    [
      'a fulfillment LUN that is not hex',
      (s: Record<string, unknown>) =>
        (s.volumes = [
          { name: 'v', sizeGiB: 1, fcpFulfillment: { targetWwpn: '500507680b21ac38', lun: 'lun1' } },
        ]),
      /spec\.volumes\[0\]\.fcpFulfillment\.lun/,
    ],
    [
      'an unknown deletionPolicy',
      (s: Record<string, unknown>) => (s.deletionPolicy = 'Keep'),
      /spec\.deletionPolicy.*Unsupported value: "Keep"/,
    ],
  ])('rejects %s, naming the field', async (_what, mutate, expected) => {
    expect(await rejection(() => create(kc, ns, storageGroup(mutate), true))).toMatch(expected);
  });

  it('accepts a shared group attached to several partitions', async () => {
    const out = await create(
      kc,
      ns,
      storageGroup((s) => {
        s.shared = true;
        s.maxPartitions = 4;
      }),
      true,
    );
    expect((out.spec as { maxPartitions: number }).maxPartitions).toBe(4);
  });

  it('the samples in deploy/samples/storage are accepted (server-side dry run)', async () => {
    const doc = yaml.load(await readFile(join(samplesDir, 'storage', 'storagegroup.yaml'), 'utf8')) as Obj;
    const out = await create(kc, ns, doc, true);
    expect(out.metadata.name).toBe('web-01-storage');
    expect((out.spec as { volumes: unknown[] }).volumes).toHaveLength(2);
    const part = yaml.load(await readFile(join(samplesDir, 'storage', 'partition.yaml'), 'utf8')) as Obj;
    const p = await create(kc, ns, part, true);
    expect((p.spec.boot as { type: string }).type).toBe('StorageVolume');
  });

  it('spec.volumes[].fcpFulfillment is accepted once and immutable after', async () => {
    const o = storageGroup((s) => {
      s.volumes = [{ name: 'boot', sizeGiB: 32, usage: 'boot' }];
    });
    o.metadata.name = 'sg-fulfill';
    const created = await create(kc, ns, o);
    const fcp = { targetWwpn: '500507680B21AC38', lun: '4001000000000000' };
    const set = structuredClone(created);
    (set.spec as { volumes: Record<string, unknown>[] }).volumes[0]!.fcpFulfillment = fcp;
    const updated = await replace(kc, ns, set);
    const moved = structuredClone(updated);
    (moved.spec as { volumes: { fcpFulfillment: { lun: string } }[] }).volumes[0]!.fcpFulfillment.lun =
      '4002';
    expect(await rejection(() => replace(kc, ns, moved))).toMatch(
      /spec\.volumes\[0\]\.fcpFulfillment.*immutable once set/,
    );
    expect((await get(kc, ns, KIND.StorageGroup, 'sg-fulfill')).spec.volumes).toEqual([
      { name: 'boot', sizeGiB: 32, usage: 'boot', fcpFulfillment: fcp },
    ]);
  });

  it('spec.cpcSubsetRef is immutable', async () => {
    const o = storageGroup();
    o.metadata.name = 'sg-immutable';
    const created = await create(kc, ns, o);
    const moved = structuredClone(created);
    (moved.spec as { cpcSubsetRef: { name: string } }).cpcSubsetRef.name = 'subset-b';
    expect(await rejection(() => replace(kc, ns, moved))).toMatch(/spec\.cpcSubsetRef is immutable/);
    expect((await get(kc, ns, KIND.StorageGroup, 'sg-immutable')).spec.cpcSubsetRef).toEqual({
      name: 'subset-a',
    });
  });
});

describe('Partition storage admission', () => {
  it('accepts storage groups by name and by reference and a boot volume of a listed group', async () => {
    const out = await create(kc, ns, partition(), true);
    expect(out.spec.storageGroups).toEqual([{ storageGroupRef: { name: 'sg1' } }, { name: 'SHARED-DATA' }]);
    expect((out.spec.boot as { type: string }).type).toBe('StorageVolume');
    // by HMC name as well
    await create(
      kc,
      ns,
      partition((s) => {
        s.boot = { type: 'StorageVolume', storageVolume: { storageGroupName: 'SHARED-DATA', volume: 'v' } };
      }),
      true,
    );
  });

  it.each([
    [
      'a group named twice (name)',
      (s: Record<string, unknown>) => (s.storageGroups = [{ name: 'A' }, { name: 'A' }]),
      /spec\.storageGroups: Invalid value.*names the same group \(name\) twice/,
    ],
    [
      'a group named twice (storageGroupRef)',
      (s: Record<string, unknown>) =>
        (s.storageGroups = [{ storageGroupRef: { name: 'sg1' } }, { storageGroupRef: { name: 'sg1' } }]),
      /spec\.storageGroups: Invalid value.*names the same StorageGroup \(storageGroupRef\) twice/,
    ],
    [
      'an entry with both name and storageGroupRef',
      (s: Record<string, unknown>) => (s.storageGroups = [{ name: 'A', storageGroupRef: { name: 'sg1' } }]),
      /spec\.storageGroups\[0\]: Invalid value.*exactly one of name or storageGroupRef/,
    ],
    [
      'an empty entry',
      (s: Record<string, unknown>) => (s.storageGroups = [{}]),
      /spec\.storageGroups\[0\]: Invalid value.*exactly one of name or storageGroupRef/,
    ],
    [
      'a boot volume of a group that is not listed',
      (s: Record<string, unknown>) => (s.storageGroups = [{ name: 'SHARED-DATA' }]),
      /spec\.boot\.storageVolume: Invalid value.*must name a storage group listed in spec\.storageGroups/,
    ],
    [
      'a boot volume and no storage groups at all',
      (s: Record<string, unknown>) => delete s.storageGroups,
      /spec\.boot\.storageVolume: Invalid value.*must name a storage group listed in spec\.storageGroups/,
    ],
    [
      'type StorageVolume without storageVolume',
      (s: Record<string, unknown>) => (s.boot = { type: 'StorageVolume' }),
      /spec\.boot: Invalid value.*spec\.boot\.storageVolume is required when spec\.boot\.type is StorageVolume/,
    ],
    [
      'storageVolume with another boot type',
      (s: Record<string, unknown>) =>
        (s.boot = { type: 'None', storageVolume: { storageGroupName: 'SHARED-DATA', volume: 'v' } }),
      /spec\.boot\.storageVolume must be omitted unless spec\.boot\.type is StorageVolume/,
    ],
    [
      'a boot volume naming its group both ways',
      (s: Record<string, unknown>) =>
        (s.boot = {
          type: 'StorageVolume',
          storageVolume: { storageGroupName: 'SHARED-DATA', storageGroupRef: { name: 'sg1' }, volume: 'v' },
        }),
      /spec\.boot\.storageVolume: Invalid value.*exactly one of spec\.boot\.storageVolume\.storageGroupName or spec\.boot\.storageVolume\.storageGroupRef/,
    ],
    [
      'a boot volume without a volume name',
      (s: Record<string, unknown>) =>
        (s.boot = { type: 'StorageVolume', storageVolume: { storageGroupRef: { name: 'sg1' } } }),
      /spec\.boot\.storageVolume\.volume: Required value/,
    ],
  ])('rejects %s, naming the field', async (_what, mutate, expected) => {
    expect(await rejection(() => create(kc, ns, partition(mutate), true))).toMatch(expected);
  });
});

describe('CpcSubset storage model', () => {
  it('status.storageModel accepts StorageGroups and Hbas only', async () => {
    const api = kc.makeApiClient(k8s.CustomObjectsApi);
    const subset: Obj = {
      apiVersion: API_GROUP_VERSION,
      kind: KIND.CpcSubset,
      metadata: { name: 'subset-model' },
      spec: {
        hmc: { host: 'hmc.example.com', credentialsSecretRef: { name: 'hmc' } },
        cpc: { name: 'CPCZ16A' },
        limits: { maxPartitions: 4, maxProcessors: 8, maxMemoryMiB: 8192 },
      },
    };
    await create(kc, ns, subset);
    const patch = (storageModel: string) =>
      api.patchNamespacedCustomObjectStatus(
        {
          group: API_GROUP,
          version: API_VERSION,
          namespace: ns,
          plural: PLURAL.CpcSubset,
          name: 'subset-model',
          body: { status: { storageModel } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    await patch('StorageGroups');
    const got = (await get(kc, ns, KIND.CpcSubset, 'subset-model')) as Obj & {
      status?: { storageModel?: string };
    };
    expect(got.status?.storageModel).toBe('StorageGroups');
    expect(await rejection(() => patch('Ficon'))).toMatch(/status\.storageModel.*Unsupported value: "Ficon"/);
  });
});
