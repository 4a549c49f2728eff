// The generated CRDs on the real kube-apiserver: installation, samples, defaults, CEL/OpenAPI
// rejections that name the field, immutability, and the typed allCrds() models.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { API_GROUP, API_GROUP_VERSION, KIND, allCrds, crdManifests } from '../../src/crds/index.js';
import { freshNamespace, kubeConfig } from '../harness/kube.js';
import {
  type Obj,
  create,
  get,
  installCrds,
  rejection,
  replace,
  samplesDir,
  waitEstablished,
} from './helpers.js';

const kc = kubeConfig();
let ns: string;

const clone = <T>(o: T): T => structuredClone(o);

const cpcSubset = (): Obj => ({
  apiVersion: API_GROUP_VERSION,
  kind: KIND.CpcSubset,
  metadata: { name: 'subset-a' },
  spec: {
    hmc: { host: 'hmc.example.com', credentialsSecretRef: { name: 'hmc' } },
    cpc: { name: 'CPCZ16A' },
    limits: { maxPartitions: 4, maxProcessors: 8, maxMemoryMiB: 8192 },
  },
});

const partition = (): Obj => ({
  apiVersion: API_GROUP_VERSION,
  kind: KIND.Partition,
  metadata: { name: 'p1' },
  spec: {
    cpcSubsetRef: { name: 'subset-a' },
    processors: { ifls: 1 },
    memory: { initialMiB: 1024, maximumMiB: 2048 },
  },
});

const fcpBoot = (): Record<string, unknown> => ({
  type: 'FcpVolume',
  fcpVolume: { hbaRef: { name: 'h1' }, targetWwpn: '500507680b2145f0', lun: '0001000000000000' },
});

const nic = (): Obj => ({
  apiVersion: API_GROUP_VERSION,
  kind: KIND.PartitionNic,
  metadata: { name: 'n1' },
  spec: {
    partitionRef: { name: 'p1' },
    virtualSwitch: { objectId: 'a1b2c3d4-0000-4000-8000-0000000000b1' },
    mac: '02:00:00:00:00:01',
  },
});

const hba = (): Obj => ({
  apiVersion: API_GROUP_VERSION,
  kind: KIND.PartitionHba,
  metadata: { name: 'h1' },
  spec: {
    partitionRef: { name: 'p1' },
    adapterPort: { adapterObjectId: 'a1b2c3d4-0000-4000-8000-0000000000f1', port: 0 },
  },
});

type Spec = Record<string, unknown> & {
  memory: Record<string, unknown>;
  boot: Record<string, unknown> & { fcpVolume: Record<string, unknown> };
  virtualSwitch: Record<string, unknown>;
  adapterPort: Record<string, unknown>;
  cpc: Record<string, unknown>;
  limits: Record<string, unknown>;
  processors: Record<string, unknown>;
};

/** Builds a variant of a base object by mutating its spec (and optionally metadata). */
function variant(base: () => Obj, mutate: (spec: Spec, o: Obj) => void): Obj {
  const o = clone(base());
  mutate(o.spec as Spec, o);
  return o;
}

const withFcp = (mutate: (spec: Spec) => void) =>
  variant(partition, (s) => {
    s.boot = fcpBoot() as Spec['boot'];
    mutate(s);
  });

/** Counts CEL rules and defaults in a schema, in wire or client-node form. */
function countRulesAndDefaults(x: unknown): { rules: number; defaults: number } {
  const acc = { rules: 0, defaults: 0 };
  const walk = (v: unknown, key: string): void => {
    if (key === 'x-kubernetes-validations' || key === 'x_kubernetes_validations') {
      acc.rules += (v as unknown[]).length;
      return;
    }
    if (key === 'default' || key === '_default') acc.defaults++;
    if (v && typeof v === 'object') for (const [k, y] of Object.entries(v)) walk(y, k);
  };
  walk(x, '');
  return acc;
}

beforeAll(async () => {
  await installCrds(kc);
  ns = await freshNamespace(kc, 'crds');
});

describe('CRD installation', () => {
  it('installs every CRD from deploy/crds and they become Established', async () => {
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    for (const m of crdManifests()) {
      const crd = await ext.readCustomResourceDefinition({ name: m.metadata.name });
      expect(crd.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
      expect(crd.status?.acceptedNames?.shortNames).toEqual(m.spec.names.shortNames);
      expect(crd.status?.acceptedNames?.categories).toEqual(['dpm']);
      // Nothing was lost on the way (CEL rules and defaults are what a lossy client drops).
      const stored = countRulesAndDefaults(crd.spec.versions[0]!.schema?.openAPIV3Schema);
      const source = countRulesAndDefaults(m.spec.versions[0]!.schema.openAPIV3Schema);
      expect(stored).toEqual(source);
      expect(source.rules).toBeGreaterThan(0);
    }
  });

  it('the typed allCrds() models install with their validations, defaults and columns intact', async () => {
    // Same CRDs under a throw-away group, without short names and category, so they do not
    // disturb the real ones (nor kubectl lookups by short name or `dpm` in concurrent suites).
    const group = `typed.test.${API_GROUP}`;
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    const typed = allCrds().map((c) => ({
      ...c,
      metadata: { name: `${c.spec.names.plural}.${group}` },
      spec: { ...c.spec, group, names: { ...c.spec.names, shortNames: [], categories: [] } },
    }));
    for (const c of typed) {
      await ext.deleteCustomResourceDefinition({ name: c.metadata.name }).catch(() => undefined);
      await ext.createCustomResourceDefinition({ body: c });
    }
    await waitEstablished(
      kc,
      typed.map((c) => c.metadata.name),
    );
    const wire = crdManifests();
    for (const c of typed) {
      const back = await ext.readCustomResourceDefinition({ name: c.metadata.name });
      const m = wire.find((w) => w.spec.names.kind === c.spec.names.kind)!;
      const v = back.spec.versions[0]!;
      expect(v.additionalPrinterColumns?.map((col) => col.name)).toEqual(
        m.spec.versions[0]!.additionalPrinterColumns.map((col) => col.name),
      );
      expect(countRulesAndDefaults(v.schema?.openAPIV3Schema)).toEqual(
        countRulesAndDefaults(m.spec.versions[0]!.schema.openAPIV3Schema),
      );
    }
    const spec = (await ext.readCustomResourceDefinition({ name: `partitions.${group}` })).spec.versions[0]!
      .schema!.openAPIV3Schema!.properties!.spec!;
    expect(spec.properties!.deletionPolicy!._default).toBe('Delete');
    for (const c of typed) await ext.deleteCustomResourceDefinition({ name: c.metadata.name });
  });
});

describe('samples', () => {
  it('every sample in deploy/samples is accepted (server-side dry run)', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const files = (await readdir(samplesDir)).filter((f) => f.endsWith('.yaml')).sort();
    expect(files).toEqual([
      '00-hmc-credentials.yaml',
      '01-cpcsubset.yaml',
      '02-partition.yaml',
      '03-nics.yaml',
      '04-hbas.yaml',
    ]);
    const accepted: string[] = [];
    for (const f of files) {
      for (const doc of yaml.loadAll(await readFile(join(samplesDir, f), 'utf8')) as Obj[]) {
        expect(doc.metadata.namespace).toBeUndefined(); // samples stay namespace-less
        if (doc.kind === ('Secret' as string)) {
          await core.createNamespacedSecret({ namespace: ns, body: doc as k8s.V1Secret, dryRun: 'All' });
        } else {
          const out = await create(kc, ns, doc, true);
          expect(out.metadata.name).toBe(doc.metadata.name);
        }
        accepted.push(`${doc.kind}/${doc.metadata.name}`);
      }
    }
    expect(accepted).toEqual([
      'Secret/hmc-sim-credentials',
      'CpcSubset/demo',
      'Partition/web-01',
      'PartitionNic/web-01-nic-a',
      'PartitionNic/web-01-nic-b',
      'PartitionHba/web-01-hba-a',
      'PartitionHba/web-01-hba-b',
    ]);
  });
});

describe('defaults', () => {
  it('CpcSubset: port 6794, credential keys, TLS verification on', async () => {
    const out = await create(kc, ns, cpcSubset(), true);
    expect(out.spec.hmc).toEqual({
      host: 'hmc.example.com',
      port: 6794,
      insecureSkipTLSVerify: false,
      credentialsSecretRef: {
        name: 'hmc',
        useridKey: 'userid',
        passwordKey: 'password',
        caBundleKey: 'ca.crt',
      },
    });
  });

  it('Partition: mode Shared, powerState Active, boot None, deletionPolicy Delete, updateStrategy WhileStopped', async () => {
    const out = await create(kc, ns, partition(), true);
    expect(out.spec).toMatchObject({
      processors: { ifls: 1, mode: 'Shared' },
      powerState: 'Active',
      boot: { type: 'None' },
      deletionPolicy: 'Delete',
      updateStrategy: 'WhileStopped',
    });
  });

  it('PartitionNic: port 0', async () => {
    const out = await create(kc, ns, nic(), true);
    expect(out.spec.port).toBe(0);
  });
});

describe('valid edge cases are accepted', () => {
  const cases: [string, Obj][] = [
    ['upper-case MAC with second digit E', variant(nic, (s) => (s.mac = 'FE:FF:00:AA:BB:CC'))],
    ['MAC with second digit a', variant(nic, (s) => (s.mac = '0a:00:00:00:00:11'))],
    ['MAC with second digit 6', variant(nic, (s) => (s.mac = '16:00:00:00:00:11'))],
    [
      'NIC on an adapter port',
      variant(nic, (s) => (s.virtualSwitch = { adapterObjectId: 'abcd-12', port: 1 })),
    ],
    [
      'NIC port 1, VLAN 4094, device number',
      variant(nic, (s) => Object.assign(s, { port: 1, vlanId: 4094, deviceNumber: '0A0f' })),
    ],
    ['HBA port 3', variant(hba, (s) => (s.adapterPort.port = 3))],
    [
      'FcpVolume via adapterPort, 1-digit LUN',
      withFcp((s) => {
        s.boot.fcpVolume = {
          adapterPort: { adapterObjectId: 'f1', port: 2 },
          targetWwpn: 'C05076FFFF000000',
          lun: '0',
        };
      }),
    ],
    [
      'memory maximum == initial',
      variant(partition, (s) => (s.memory = { initialMiB: 512, maximumMiB: 512 })),
    ],
    ['kernelParameters of 256 characters', variant(partition, (s) => (s.kernelParameters = 'x'.repeat(256)))],
    [
      'adoptPartitionName of 64 characters',
      variant(partition, (s) => (s.adoptPartitionName = 'L'.repeat(64))),
    ],
    ['CpcSubset name of 17 characters', variant(cpcSubset, (_s, o) => (o.metadata.name = 'a'.repeat(17)))],
    [
      'CpcSubset by objectId, maxMemoryMiB 512',
      variant(cpcSubset, (s) => {
        s.cpc = { objectId: 'a1b2c3d4-0000-4000-8000-000000000001' };
        s.limits.maxMemoryMiB = 512;
      }),
    ],
  ];
  it.each(cases)('%s', async (_name, obj) => {
    const out = await create(kc, ns, obj, true);
    expect(out.metadata.name).toBe(obj.metadata.name);
  });
});

describe('invalid specs are rejected at admission with a message naming the field', () => {
  const cases: [string, Obj, RegExp][] = [
    [
      'memory maximum < initial',
      variant(partition, (s) => (s.memory = { initialMiB: 4096, maximumMiB: 2048 })),
      /spec\.memory: Invalid value: \"object\": spec\.memory\.maximumMiB must be >= spec\.memory\.initialMiB/,
    ],
    [
      'initialMiB below what a partition can start with',
      variant(partition, (s) => (s.memory = { initialMiB: 256, maximumMiB: 2048 })),
      /spec\.memory\.initialMiB: Invalid value: 256: .*greater than or equal to 512/,
    ],
    ['ifls 0', variant(partition, (s) => (s.processors.ifls = 0)), /spec\.processors\.ifls: Invalid value/],
    [
      'processor mode not in the enum',
      variant(partition, (s) => (s.processors.mode = 'Capped')),
      /spec\.processors\.mode: Unsupported value: "Capped"/,
    ],
    [
      'WWPN of 15 hex digits',
      withFcp((s) => (s.boot.fcpVolume.targetWwpn = '500507680b2145f')),
      /spec\.boot\.fcpVolume\.targetWwpn: Invalid value: "500507680b2145f"/,
    ],
    [
      'WWPN with a non-hex digit',
      withFcp((s) => (s.boot.fcpVolume.targetWwpn = '500507680b2145g0')),
      /spec\.boot\.fcpVolume\.targetWwpn: Invalid value/,
    ],
    [
      'LUN of 17 hex digits',
      withFcp((s) => (s.boot.fcpVolume.lun = '00010000000000000')),
      /spec\.boot\.fcpVolume\.lun: Too long/,
    ],
    [
      'LUN with 0x prefix',
      withFcp((s) => (s.boot.fcpVolume.lun = '0x01')),
      /spec\.boot\.fcpVolume\.lun: Invalid value: "0x01"/,
    ],
    [
      'FcpVolume without fcpVolume',
      variant(partition, (s) => (s.boot = { type: 'FcpVolume' } as unknown as Spec['boot'])),
      /spec\.boot\.fcpVolume is required when spec\.boot\.type is FcpVolume/,
    ],
    [
      'fcpVolume with type None',
      withFcp((s) => (s.boot.type = 'None')),
      /spec\.boot\.fcpVolume must be omitted unless spec\.boot\.type is FcpVolume/,
    ],
    [
      'both hbaRef and adapterPort',
      withFcp((s) => (s.boot.fcpVolume.adapterPort = { adapterObjectId: 'f1', port: 0 })),
      /spec\.boot\.fcpVolume must set exactly one of spec\.boot\.fcpVolume\.hbaRef or spec\.boot\.fcpVolume\.adapterPort/,
    ],
    [
      'neither hbaRef nor adapterPort',
      withFcp((s) => delete s.boot.fcpVolume.hbaRef),
      /spec\.boot\.fcpVolume must set exactly one of/,
    ],
    [
      'boot adapter port 4',
      withFcp((s) => {
        delete s.boot.fcpVolume.hbaRef;
        s.boot.fcpVolume.adapterPort = { adapterObjectId: 'f1', port: 4 };
      }),
      /spec\.boot\.fcpVolume\.adapterPort\.port: Invalid value: 4/,
    ],
    [
      'kernelParameters of 257 characters',
      variant(partition, (s) => (s.kernelParameters = 'x'.repeat(257))),
      /spec\.kernelParameters: Too long/,
    ],
    [
      'kernelParameters with a newline',
      variant(partition, (s) => (s.kernelParameters = 'a\nb')),
      /spec\.kernelParameters: Invalid value/,
    ],
    [
      'adoptPartitionName of 65 characters',
      variant(partition, (s) => (s.adoptPartitionName = 'L'.repeat(65))),
      /spec\.adoptPartitionName: Too long/,
    ],
    [
      'Partition without cpcSubsetRef',
      variant(partition, (s) => delete s.cpcSubsetRef),
      /spec\.cpcSubsetRef: Required value/,
    ],
    [
      'NIC device number of 3 hex digits',
      variant(nic, (s) => (s.deviceNumber = '0a0')),
      /spec\.deviceNumber: Invalid value: "0a0"/,
    ],
    [
      'HBA device number not hex',
      variant(hba, (s) => (s.deviceNumber = 'zz00')),
      /spec\.deviceNumber: Invalid value: "zz00"/,
    ],
    [
      'MAC without colons',
      variant(nic, (s) => (s.mac = '020000000001')),
      /spec\.mac: Invalid value: "020000000001"/,
    ],
    [
      'MAC with a non-hex digit',
      variant(nic, (s) => (s.mac = '02:00:00:00:00:0g')),
      /spec\.mac: Invalid value/,
    ],
    [
      'globally administered MAC',
      variant(nic, (s) => (s.mac = '00:11:22:33:44:55')),
      /spec\.mac 00:11:22:33:44:55 must be a locally administered unicast MAC address/,
    ],
    [
      'multicast MAC',
      variant(nic, (s) => (s.mac = '03:00:00:00:00:01')),
      /spec\.mac 03:00:00:00:00:01 must be a locally administered unicast MAC address/,
    ],
    [
      'multicast, locally administered MAC (second digit f)',
      variant(nic, (s) => (s.mac = '0F:00:00:00:00:01')),
      /spec\.mac 0F:00:00:00:00:01 must be a locally administered unicast MAC address/,
    ],
    ['NIC port 2', variant(nic, (s) => (s.port = 2)), /spec\.port: Invalid value: 2/],
    ['VLAN 4095', variant(nic, (s) => (s.vlanId = 4095)), /spec\.vlanId: Invalid value: 4095/],
    [
      'both virtual switch forms',
      variant(nic, (s) => Object.assign(s.virtualSwitch, { adapterObjectId: 'ab', port: 0 })),
      /spec\.virtualSwitch must set exactly one of spec\.virtualSwitch\.objectId or spec\.virtualSwitch\.adapterObjectId/,
    ],
    [
      'neither virtual switch form',
      variant(nic, (s) => (s.virtualSwitch = {})),
      /spec\.virtualSwitch must set exactly one of/,
    ],
    [
      'adapter form without port',
      variant(nic, (s) => (s.virtualSwitch = { adapterObjectId: 'ab' })),
      /spec\.virtualSwitch\.port is required with, and only valid with, spec\.virtualSwitch\.adapterObjectId/,
    ],
    [
      'virtual switch object-id not hex',
      variant(nic, (s) => (s.virtualSwitch = { objectId: 'vswitch-1' })),
      /spec\.virtualSwitch\.objectId: Invalid value: "vswitch-1"/,
    ],
    [
      'HBA port 4',
      variant(hba, (s) => (s.adapterPort.port = 4)),
      /spec\.adapterPort\.port: Invalid value: 4/,
    ],
    [
      'HBA without adapterPort',
      variant(hba, (s) => delete (s as Record<string, unknown>).adapterPort),
      /spec\.adapterPort: Required value/,
    ],
    [
      'CpcSubset name of 18 characters',
      variant(cpcSubset, (_s, o) => (o.metadata.name = 'a'.repeat(18))),
      /metadata\.name must be at most 17 characters/,
    ],
    [
      'maxMemoryMiB 256',
      variant(cpcSubset, (s) => (s.limits.maxMemoryMiB = 256)),
      /spec\.limits\.maxMemoryMiB: Invalid value: 256: .*greater than or equal to 512/,
    ],
    [
      'cpc with both name and objectId',
      variant(cpcSubset, (s) => (s.cpc.objectId = 'a1b2c3d4')),
      /spec\.cpc must set exactly one of spec\.cpc\.name or spec\.cpc\.objectId/,
    ],
    [
      'cpc with neither name nor objectId',
      variant(cpcSubset, (s) => (s.cpc = {})),
      /spec\.cpc must set exactly one of/,
    ],
    [
      'HMC port 0',
      variant(cpcSubset, (s) => ((s.hmc as Record<string, unknown>).port = 0)),
      /spec\.hmc\.port: Invalid value: 0/,
    ],
    [
      'HMC without host',
      variant(cpcSubset, (s) => delete (s.hmc as Record<string, unknown>).host),
      /spec\.hmc\.host: Required value/,
    ],
    [
      'storage adapter port 4',
      variant(cpcSubset, (s) => (s.storageAdapterPorts = [{ adapterObjectId: 'f1', port: 4 }])),
      /spec\.storageAdapterPorts\[0\]\.port: Invalid value: 4/,
    ],
    [
      'duplicate storage adapter ports',
      variant(
        cpcSubset,
        (s) =>
          (s.storageAdapterPorts = [
            { adapterObjectId: 'f1', port: 0 },
            { adapterObjectId: 'f1', port: 0 },
          ]),
      ),
      /spec\.storageAdapterPorts\[1\]: Duplicate value/,
    ],
    [
      'bad WWPN in the ignore list',
      variant(cpcSubset, (s) => (s.targetWwpnIgnoreList = ['5005'])),
      /spec\.targetWwpnIgnoreList\[0\]: Invalid value: "5005"/,
    ],
  ];

  it.each(cases)('%s', async (_name, obj, expected) => {
    const message = await rejection(() => create(kc, ns, obj, true));
    expect(message).toMatch(expected);
  });
});

describe('immutable fields', () => {
  it('Partition: cpcSubsetRef and adoptPartitionName (once set) cannot change; other fields can', async () => {
    const p = variant(partition, (s, o) => {
      o.metadata.name = 'immutable-p';
      s.adoptPartitionName = 'LEGACY01';
    });
    await create(kc, ns, p);
    const fresh = () => get(kc, ns, KIND.Partition, 'immutable-p');

    const moved = await fresh();
    (moved.spec as Spec).cpcSubsetRef = { name: 'other' };
    expect(await rejection(() => replace(kc, ns, moved))).toMatch(/spec\.cpcSubsetRef is immutable/);

    const renamed = await fresh();
    renamed.spec.adoptPartitionName = 'LEGACY02';
    expect(await rejection(() => replace(kc, ns, renamed))).toMatch(
      /spec\.adoptPartitionName is immutable once set/,
    );

    const dropped = await fresh();
    delete dropped.spec.adoptPartitionName;
    expect(await rejection(() => replace(kc, ns, dropped))).toMatch(
      /spec\.adoptPartitionName is immutable once set/,
    );

    const stopped = await fresh();
    stopped.spec.powerState = 'Stopped';
    stopped.spec.memory = { initialMiB: 2048, maximumMiB: 4096 };
    const out = await replace(kc, ns, stopped);
    expect(out.spec).toMatchObject({
      powerState: 'Stopped',
      adoptPartitionName: 'LEGACY01',
      cpcSubsetRef: { name: 'subset-a' },
    });
  });

  it('Partition: adoptPartitionName may be set later when it was unset', async () => {
    await create(
      kc,
      ns,
      variant(partition, (_s, o) => (o.metadata.name = 'adopt-later')),
    );
    const p = await get(kc, ns, KIND.Partition, 'adopt-later');
    p.spec.adoptPartitionName = 'LEGACY03';
    expect((await replace(kc, ns, p)).spec.adoptPartitionName).toBe('LEGACY03');
  });

  it.each([
    [KIND.PartitionNic, nic],
    [KIND.PartitionHba, hba],
  ] as const)('%s: partitionRef cannot change', async (kind, base) => {
    const name = `immutable-${kind.toLowerCase()}`;
    await create(
      kc,
      ns,
      variant(base, (_s, o) => (o.metadata.name = name)),
    );
    const o = await get(kc, ns, kind, name);
    o.spec.partitionRef = { name: 'p2' };
    expect(await rejection(() => replace(kc, ns, o))).toMatch(/spec\.partitionRef is immutable/);
  });
});
