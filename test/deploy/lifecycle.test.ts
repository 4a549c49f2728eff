// The chart's RBAC is enough for a whole partition lifecycle: the operator runs with exactly the
// rendered Deployment args and the rendered ServiceAccount's token against the HMC simulator (the
// chart's CpcSubset and credentials Secret, with the simulator's CA in hmc.caBundle and its STOMP port
// in hmc.notificationPort). The samples' Partition web-01 with 2 NICs and 2 HBAs reaches Running, is
// stopped through spec.powerState, and deleting it deletes the HMC partition and releases every
// finalizer - without a single "forbidden". Requests outside the RBAC are denied for that token.
import * as k8s from '@kubernetes/client-node';
import type { CpcSubset, Partition, PartitionHba, PartitionNic } from '../../src/crds/index.js';
import { HmcSession } from '../../src/hmc/session.js';
import { startSimulator, type RunningSimulator } from '../../src/hmc-simulator/index.js';
import { applyObjects as applyCrs, getCr, sampleObjects } from '../harness/operator.js';
import { freshNamespace, kubeConfig } from '../harness/kube.js';
import { deployChart, findOne } from './helpers.js';
import { type ChartOperator, startChartOperator, until } from './run-operator.js';

const kc = kubeConfig();
const CPC = '/api/cpcs/a1b2c3d4-0000-4000-8000-000000000001';
const FINALIZER = 'dpm.operator.dev/finalizer';
const GROUP = { group: 'dpm.operator.dev', version: 'v1alpha1' };

interface HmcPartition {
  name: string;
  status: string;
  'object-uri': string;
}

describe('a partition lifecycle with the chart’s args, RBAC and ServiceAccount', () => {
  let sim: RunningSimulator;
  let hmc: HmcSession;
  let op: ChartOperator | undefined;
  let ns: string;
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const env = () => ({ custom, ns });
  const partition = () => getCr<Partition>(env(), 'partitions', 'web-01');
  const hmcPartitions = async () =>
    (await hmc.get<{ partitions: HmcPartition[] }>(`${CPC}/partitions`)).partitions;
  const withOutput = async (fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- operator output ---\n${op?.output().slice(-4000)}`);
    }
  };

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, stompPort: 0, jobDurationMs: 100, seedName: 'z13' });
    hmc = new HmcSession({
      hosts: [`127.0.0.1:${sim.port}`],
      userid: sim.userid,
      password: sim.password,
      ca: sim.caPem,
    });
    ns = await freshNamespace(kc, 'chart-life');
  });
  afterAll(async () => {
    await op?.stop();
    await hmc?.close();
    await sim?.stop();
  });

  it('deploys the release and its operator becomes ready on the simulator', async () => {
    const objects = await deployChart(
      {
        replicaCount: 1,
        hmc: {
          host: '127.0.0.1',
          port: sim.port,
          notificationPort: sim.stompPort,
          userid: sim.userid,
          password: sim.password,
          caBundle: sim.caPem,
        },
        cpcSubsets: [
          {
            name: 'demo',
            cpc: { name: 'CPCZ16A' },
            limits: { maxPartitions: 10, maxProcessors: 16, maxMemoryMiB: 65536 },
            storageAdapterPorts: [
              { adapterObjectId: 'a1b2c3d4-0000-4000-8000-0000000000f1', port: 0 },
              { adapterObjectId: 'a1b2c3d4-0000-4000-8000-0000000000f2', port: 0 },
            ],
          },
        ],
      },
      'lab',
      ns,
    );
    // The CA and the notification port reach the operator only through the chart.
    const secret = findOne(objects, 'Secret', 'lab-dpm-operator-hmc') as unknown as {
      stringData: Record<string, string>;
    };
    expect(secret.stringData['ca.crt']).toBe(sim.caPem);
    op = await startChartOperator(kc, ns, objects);
    expect(op.args).toContain(`--stomp-port=${sim.stompPort}`);
    expect(op.args).not.toContain('--insecure-skip-tls-verify');
    await withOutput(async () => {
      await op!.ready();
      const subset = await until('CpcSubset demo Ready', async () => {
        const s = await getCr<CpcSubset>(env(), 'cpcsubsets', 'demo');
        return s?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && s;
      });
      expect(subset.status?.cpcUri).toBe(CPC);
    });
  }, 120000);

  it('brings web-01 with 2 NICs and 2 HBAs to Running / active', async () => {
    await sim.admin.resetStats();
    const samples = await sampleObjects(sim, ['02-partition.yaml', '03-nics.yaml', '04-hbas.yaml']);
    expect(samples.map((o) => o.kind)).toEqual([
      'Partition',
      'PartitionNic',
      'PartitionNic',
      'PartitionHba',
      'PartitionHba',
    ]);
    await applyCrs(kc, ns, samples);
    await withOutput(async () => {
      const p = await until(
        'web-01 Running',
        async () => {
          const x = await partition();
          return x?.status?.phase === 'Running' && x.status.hmcStatus === 'active' && x;
        },
        90000,
      );
      expect(p.metadata.finalizers).toContain(FINALIZER);
      expect(p.status?.nics).toHaveLength(2);
      expect(p.status?.hbas).toHaveLength(2);
      const onHmc = (await hmcPartitions()).find((h) => h['object-uri'] === p.status?.partitionUri);
      expect(onHmc).toEqual(expect.objectContaining({ name: p.status?.hmcName, status: 'active' }));
      const stats = await sim.admin.stats();
      expect(stats.routes['POST /api/cpcs/{id}/partitions']?.count).toBe(1);
      expect(stats.routes['POST /api/partitions/{id}/nics']?.count).toBe(2);
      expect(stats.routes['POST /api/partitions/{id}/hbas']?.count).toBe(2);
      expect(stats.routes['POST /api/partitions/{id}/operations/start']?.count).toBe(1);
      for (const n of ['web-01-nic-a', 'web-01-nic-b']) {
        const nic = await getCr<PartitionNic>(env(), 'partitionnics', n);
        expect(nic?.status?.deviceNumber).toMatch(/^[0-9a-f]{4}$/);
        expect(nic?.metadata.finalizers).toContain(FINALIZER);
      }
      for (const n of ['web-01-hba-a', 'web-01-hba-b']) {
        const hba = await getCr<PartitionHba>(env(), 'partitionhbas', n);
        expect(hba?.status?.wwpn).toMatch(/^[0-9a-f]{16}$/);
        expect(hba?.metadata.finalizers).toContain(FINALIZER);
      }
    });
  }, 120000);

  it('stops web-01 through spec.powerState', async () => {
    await custom.patchNamespacedCustomObject(
      {
        ...GROUP,
        namespace: ns,
        plural: 'partitions',
        name: 'web-01',
        body: { spec: { powerState: 'Stopped' } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await withOutput(async () => {
      const p = await until('web-01 Stopped', async () => {
        const x = await partition();
        return x?.status?.phase === 'Stopped' && x.status.hmcStatus === 'stopped' && x;
      });
      const props = await hmc.get<{ status: string }>(p.status!.partitionUri!);
      expect(props.status).toBe('stopped');
    });
  }, 90000);

  it('deleting web-01 deletes the HMC partition and releases every finalizer', async () => {
    const uri = (await partition())!.status!.partitionUri!;
    await custom.deleteNamespacedCustomObject({
      ...GROUP,
      namespace: ns,
      plural: 'partitions',
      name: 'web-01',
    });
    await withOutput(async () => {
      await until('web-01 gone', async () => (await partition()) === undefined);
      const left = await hmcPartitions();
      expect(left.find((h) => h['object-uri'] === uri)).toBeUndefined();
      // Foreign partitions of the seed are untouched.
      expect(left.map((h) => h.name)).toEqual(expect.arrayContaining(['LINUX-PROD-01', 'zVM-LAB']));
      // The NICs and HBAs no longer carry the finalizer: deleting them completes at once.
      for (const [plural, name] of [
        ['partitionnics', 'web-01-nic-a'],
        ['partitionnics', 'web-01-nic-b'],
        ['partitionhbas', 'web-01-hba-a'],
        ['partitionhbas', 'web-01-hba-b'],
      ] as const) {
        await until(`${name} released`, async () => {
          const o = await getCr<PartitionNic | PartitionHba>(env(), plural, name);
          return o !== undefined && !(o.metadata.finalizers ?? []).includes(FINALIZER);
        });
        await custom.deleteNamespacedCustomObject({ ...GROUP, namespace: ns, plural, name });
        await until(`${name} deleted`, async () => (await getCr(env(), plural, name)) === undefined);
      }
      // Nothing blocks the CpcSubset, now without partitions.
      await custom.deleteNamespacedCustomObject({
        ...GROUP,
        namespace: ns,
        plural: 'cpcsubsets',
        name: 'demo',
      });
      await until(
        'CpcSubset demo deleted',
        async () => (await getCr(env(), 'cpcsubsets', 'demo')) === undefined,
      );
    });
  }, 120000);

  it('the ServiceAccount token is denied everything outside the chart’s RBAC', async () => {
    const sa = op!.saKubeConfig;
    const core = sa.makeApiClient(k8s.CoreV1Api);
    const denied = async (what: string, call: () => Promise<unknown>) => {
      const err = await call().then(
        () => new Error(`${what} was allowed`),
        (e: unknown) => e,
      );
      expect({ what, code: (err as k8s.ApiException<unknown>).code }).toEqual({ what, code: 403 });
    };
    await denied('create a Pod', () =>
      core.createNamespacedPod({
        namespace: ns,
        body: { metadata: { name: 'intruder' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      }),
    );
    await denied('delete a Secret', () =>
      core.deleteNamespacedSecret({ namespace: ns, name: 'lab-dpm-operator-hmc' }),
    );
    await denied('create a Partition', () =>
      sa.makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({
        ...GROUP,
        namespace: ns,
        plural: 'partitions',
        body: {
          apiVersion: 'dpm.operator.dev/v1alpha1',
          kind: 'Partition',
          metadata: { name: 'intruder' },
          spec: {
            cpcSubsetRef: { name: 'demo' },
            processors: { ifls: 1 },
            memory: { initialMiB: 1024, maximumMiB: 1024 },
          },
        },
      }),
    );
    await denied('list Secrets in another namespace', () =>
      core.listNamespacedSecret({ namespace: 'kube-system' }),
    );
    // The same token can read what the operator needs (the checks above are not just a broken token).
    const secret = await core.readNamespacedSecret({ namespace: ns, name: 'lab-dpm-operator-hmc' });
    expect(secret.metadata?.name).toBe('lab-dpm-operator-hmc');
  });

  it('stops cleanly on SIGTERM, and nothing it did was forbidden', async () => {
    const code = await op!.stop();
    const output = op!.output();
    expect(code).toBe(0);
    expect(output).not.toMatch(/forbidden/i);
    // The output is the operator's real log (the check above reads something).
    expect(output).toMatch(/leading/);
  });
});
