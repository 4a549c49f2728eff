// Two releases (two HMCs) in ONE namespace never reconcile each other's objects. Releases hmc-a and
// hmc-b, each with its own HMC simulator, run their operators with exactly the rendered args (which
// carry --cpc-subset-selector=app.kubernetes.io/instance=<release>) and their own ServiceAccount
// tokens. Each Partition lands on its own simulator only, every Event on a release's objects comes
// from that release's operator, and a CpcSubset without a release label (and its Partition) is left
// entirely alone - until an operator without the selector runs, which proves the checks can fail.
import * as k8s from '@kubernetes/client-node';
import type { CpcSubset, Partition } from '../../src/crds/index.js';
import { HmcSession } from '../../src/hmc/session.js';
import { startSimulator, type RunningSimulator } from '../../src/hmc-simulator/index.js';
import { applyObjects as applyCrs, getCr } from '../harness/operator.js';
import { freshNamespace, kubeConfig } from '../harness/kube.js';
import { type KubeObject, deployChart } from './helpers.js';
import { type ChartOperator, startChartOperator, until } from './run-operator.js';

const kc = kubeConfig();
const CPC = '/api/cpcs/a1b2c3d4-0000-4000-8000-000000000001';
const FINALIZER = 'dpm.operator.dev/finalizer';
const GROUP = { group: 'dpm.operator.dev', version: 'v1alpha1' };
const TEST_MANAGER = 'dpm-operator-test';

interface HmcPartition {
  name: string;
  status: string;
  'object-uri': string;
}

interface Release {
  name: string;
  subset: string;
  partition: string;
  sim: RunningSimulator;
  hmc: HmcSession;
  objects: KubeObject[];
  op: ChartOperator;
}

function releaseValues(sim: RunningSimulator, subset: string, extra: object = {}): object {
  return {
    replicaCount: 1,
    hmc: {
      host: '127.0.0.1',
      port: sim.port,
      notificationPort: sim.stompPort,
      userid: sim.userid,
      password: sim.password,
      caBundle: sim.caPem,
    },
    cpcSubsets: subset
      ? [
          {
            name: subset,
            cpc: { name: 'CPCZ16A' },
            limits: { maxPartitions: 5, maxProcessors: 8, maxMemoryMiB: 16384 },
          },
        ]
      : [],
    ...extra,
  };
}

function partitionObject(name: string, subset: string): k8s.KubernetesObject {
  return {
    apiVersion: 'dpm.operator.dev/v1alpha1',
    kind: 'Partition',
    metadata: { name },
    spec: {
      cpcSubsetRef: { name: subset },
      processors: { ifls: 1 },
      memory: { initialMiB: 1024, maximumMiB: 1024 },
      // Boot type None: a started partition would pause (no boot device); created and left stopped.
      powerState: 'Stopped',
    },
  } as k8s.KubernetesObject;
}

describe('two releases (two HMCs) in one namespace', () => {
  let ns: string;
  const sims: RunningSimulator[] = [];
  const sessions: HmcSession[] = [];
  const operators: ChartOperator[] = [];
  const releases: Release[] = [];
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const env = () => ({ custom, ns });
  const hmcPartitions = async (r: Release) =>
    (await r.hmc.get<{ partitions: HmcPartition[] }>(`${CPC}/partitions`)).partitions;
  const events = async () =>
    (await kc.makeApiClient(k8s.CoreV1Api).listNamespacedEvent({ namespace: ns })).items;
  const withOutput = async (fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      const logs = operators.map((o) => `--- ${o.podName} ---\n${o.output().slice(-3000)}`).join('\n');
      throw new Error(`${(e as Error).message}\n${logs}`);
    }
  };

  beforeAll(async () => {
    ns = await freshNamespace(kc, 'chart-iso');
  });
  afterAll(async () => {
    for (const o of operators) await o.stop();
    for (const s of sessions) await s.close();
    for (const s of sims) await s.stop();
  });

  it('installs hmc-a and hmc-b side by side, each operator with its own selector, token and Lease', async () => {
    for (const [name, subset, partition] of [
      ['hmc-a', 'sub-a', 'pa'],
      ['hmc-b', 'sub-b', 'pb'],
    ] as const) {
      const sim = await startSimulator({ port: 0, stompPort: 0, jobDurationMs: 100, seedName: 'z13' });
      sims.push(sim);
      const hmc = new HmcSession({
        hosts: [`127.0.0.1:${sim.port}`],
        userid: sim.userid,
        password: sim.password,
        ca: sim.caPem,
      });
      sessions.push(hmc);
      const objects = await deployChart(releaseValues(sim, subset), name, ns);
      const op = await startChartOperator(kc, ns, objects);
      operators.push(op);
      expect(op.args).toContain(`--cpc-subset-selector=app.kubernetes.io/instance=${name}`);
      releases.push({ name, subset, partition, sim, hmc, objects, op });
    }
    await withOutput(async () => {
      for (const r of releases) await r.op.ready();
      const coord = kc.makeApiClient(k8s.CoordinationV1Api);
      for (const r of releases) {
        await until(`Lease of ${r.name}`, async () => {
          const l = await coord.readNamespacedLease({ name: `${r.name}-dpm-operator`, namespace: ns });
          return l.spec?.holderIdentity?.startsWith(`${r.op.podName}_`);
        });
        await until(`CpcSubset ${r.subset} Ready`, async () => {
          const s = await getCr<CpcSubset>(env(), 'cpcsubsets', r.subset);
          return s?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        });
      }
    });
  }, 120000);

  it('each Partition is created on its own release’s HMC only', async () => {
    const [a, b] = releases as [Release, Release];
    // A CpcSubset of no release (no app.kubernetes.io/instance label) on HMC a, with a Partition.
    await applyCrs(kc, ns, [
      {
        apiVersion: 'dpm.operator.dev/v1alpha1',
        kind: 'CpcSubset',
        metadata: { name: 'sub-x' },
        spec: {
          hmc: {
            host: '127.0.0.1',
            port: a.sim.port,
            credentialsSecretRef: { name: 'hmc-a-dpm-operator-hmc', caBundleKey: 'ca.crt' },
          },
          cpc: { name: 'CPCZ16A' },
          limits: { maxPartitions: 5, maxProcessors: 8, maxMemoryMiB: 16384 },
        },
      } as k8s.KubernetesObject,
      partitionObject('px', 'sub-x'),
    ]);
    await applyCrs(kc, ns, [partitionObject(a.partition, a.subset), partitionObject(b.partition, b.subset)]);
    await withOutput(async () => {
      const created = new Map<string, Partition>();
      for (const r of releases) {
        created.set(
          r.name,
          await until(`${r.partition} created (Stopped)`, async () => {
            const p = await getCr<Partition>(env(), 'partitions', r.partition);
            const s = p?.status;
            return s?.phase === 'Stopped' && s.hmcStatus === 'stopped' && s.partitionUri !== undefined && p;
          }),
        );
      }
      for (const [r, other] of [
        [a, b],
        [b, a],
      ] as const) {
        const p = created.get(r.name)!;
        expect(p.status?.hmcName).toBe(`OpenStack-${r.subset}-${p.metadata.uid}`);
        const mine = (await hmcPartitions(r)).filter((h) => h.name.startsWith('OpenStack-'));
        expect(mine.map((h) => h.name)).toEqual([p.status?.hmcName]);
        expect(mine[0]!['object-uri']).toBe(p.status?.partitionUri);
        const stats = await r.sim.admin.stats();
        expect(stats.routes['POST /api/cpcs/{id}/partitions']?.count).toBe(1);
        // Nothing of this partition on the other HMC.
        const theirs = await hmcPartitions(other);
        expect(theirs.some((h) => h.name.includes(p.metadata.uid!))).toBe(false);
      }
    });
  }, 120000);

  it('every Event on a release’s objects comes from that release’s operator', async () => {
    await withOutput(async () => {
      for (const r of releases) {
        const own = await until(`Events of ${r.name}'s operator on ${r.partition}`, async () => {
          const list = (await events()).filter((e) => e.involvedObject.name === r.partition);
          return list.length > 0 && list;
        });
        expect(own.length).toBeGreaterThan(0);
      }
      // Events are written asynchronously: give a stray one from the wrong operator time to show up.
      await new Promise((r) => setTimeout(r, 2000));
      const all = await events();
      for (const r of releases) {
        const onMine = all.filter((e) => [r.subset, r.partition].includes(e.involvedObject.name ?? ''));
        expect(onMine.length).toBeGreaterThan(0);
        for (const e of onMine) {
          expect({ object: e.involvedObject.name, by: e.reportingInstance?.split('_')[0] }).toEqual({
            object: e.involvedObject.name,
            by: r.op.podName,
          });
        }
      }
    });
  });

  it('neither operator touches a CpcSubset of no release or its Partition', async () => {
    // Both operators synced their informers and reconciled pa/pb, and 2 s more passed (above).
    const subset = await getCr<CpcSubset>(env(), 'cpcsubsets', 'sub-x');
    const px = await getCr<Partition>(env(), 'partitions', 'px');
    for (const o of [subset!, px!]) {
      expect(o.status).toBeUndefined();
      expect(o.metadata.finalizers ?? []).toEqual([]);
      // Every field of it was written by the test's own apply, by no one else.
      expect([...new Set((o.metadata.managedFields ?? []).map((m) => m.manager))]).toEqual([TEST_MANAGER]);
    }
    const all = await events();
    expect(all.filter((e) => ['sub-x', 'px'].includes(e.involvedObject.name ?? ''))).toEqual([]);
    for (const r of releases) {
      const names = (await hmcPartitions(r)).map((h) => h.name);
      expect(names.some((n) => n.includes(px!.metadata.uid!))).toBe(false);
    }
    // The releases' own objects were written by their operators (status present, finalizer set).
    for (const r of releases) {
      const p = await getCr<Partition>(env(), 'partitions', r.partition);
      expect(p?.metadata.finalizers).toContain(FINALIZER);
      expect((p?.metadata.managedFields ?? []).some((m) => m.subresource === 'status')).toBe(true);
    }
  });

  it('deleting hmc-b’s Partition deletes it from HMC b only; hmc-a’s stays', async () => {
    const [a, b] = releases as [Release, Release];
    const pa = (await getCr<Partition>(env(), 'partitions', a.partition))!;
    const pbUri = (await getCr<Partition>(env(), 'partitions', b.partition))!.status!.partitionUri!;
    await a.sim.admin.resetStats();
    await custom.deleteNamespacedCustomObject({
      ...GROUP,
      namespace: ns,
      plural: 'partitions',
      name: b.partition,
    });
    await withOutput(async () => {
      await until(
        `${b.partition} gone`,
        async () => (await getCr(env(), 'partitions', b.partition)) === undefined,
      );
      expect((await hmcPartitions(b)).some((h) => h['object-uri'] === pbUri)).toBe(false);
      const onA = (await hmcPartitions(a)).find((h) => h['object-uri'] === pa.status?.partitionUri);
      expect(onA?.status).toBe('stopped');
      const statsA = await a.sim.admin.stats();
      expect(Object.keys(statsA.routes).filter((k) => k.startsWith('DELETE'))).toEqual([]);
    });
  }, 90000);

  it('control: an operator without the selector does pick the unlabelled objects up', async () => {
    const [a] = releases as [Release];
    const objects = await deployChart(
      releaseValues(a.sim, '', { operator: { releaseIsolation: false } }),
      'hmc-c',
      ns,
    );
    const op = await startChartOperator(kc, ns, objects);
    operators.push(op);
    expect(op.args.some((x) => x.startsWith('--cpc-subset-selector'))).toBe(false);
    await withOutput(async () => {
      await op.ready();
      const px = await until('px reconciled by hmc-c', async () => {
        const p = await getCr<Partition>(env(), 'partitions', 'px');
        return p?.status !== undefined && p.metadata.finalizers?.includes(FINALIZER) && p;
      });
      expect(px.status?.conditions?.length).toBeGreaterThan(0);
      const onPx = await until('Events on px', async () => {
        const list = (await events()).filter((e) => e.involvedObject.name === 'px');
        return list.length > 0 && list;
      });
      const by = onPx.map((e) => e.reportingInstance?.split('_')[0]);
      expect(new Set(by)).toEqual(new Set([op.podName]));
    });
    await op.stop();
  }, 120000);

  it('no operator was ever forbidden anything', async () => {
    for (const o of operators) {
      expect(await o.stop()).toBe(0);
      expect(o.output()).toMatch(/leading: starting reconcilers/);
      expect(o.output()).not.toMatch(/forbidden/i);
    }
  });
});
