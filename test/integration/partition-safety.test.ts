// Never lose a partition, never leak one, never touch what is not ours: Orphan policy, CpcSubset limits,
// a restart in the middle of a create, and HMC faults injected by the simulator.
import * as k8s from '@kubernetes/client-node';
import type { Partition } from '../../src/crds/index.js';
import {
  applyObjects,
  getCr,
  sampleObjects,
  startOperatorEnv,
  waitFor,
  type OperatorEnv,
  SEED_CPC_URI,
} from '../harness/operator.js';

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

function partitionCr(name: string, over: Record<string, unknown> = {}): k8s.KubernetesObject {
  return {
    apiVersion: 'dpm.operator.dev/v1alpha1',
    kind: 'Partition',
    metadata: { name },
    spec: {
      cpcSubsetRef: { name: 'demo' },
      processors: { ifls: 2 },
      memory: { initialMiB: 4096, maximumMiB: 4096 },
      ...over,
    },
  } as k8s.KubernetesObject;
}

describe('partition safety', () => {
  let env: OperatorEnv;
  const cr = (name: string): Promise<Partition | undefined> => getCr<Partition>(env, 'partitions', name);
  const ready = (name: string): Promise<Partition> =>
    waitFor(`${name} Running`, async () => {
      const p = await cr(name);
      // boot type None: a started partition pauses (no boot device), which is the expected end state.
      return p?.status?.phase === 'Running' ? p : undefined;
    });

  beforeAll(async () => {
    env = await startOperatorEnv();
    await env.applySamples(['00-hmc-credentials.yaml', '01-cpcsubset.yaml']);
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('leaves the HMC partition in place with deletionPolicy Orphan', async () => {
    await applyObjects(env.kc, env.ns, [partitionCr('keep-me', { deletionPolicy: 'Orphan' })]);
    const p = await ready('keep-me');
    await env.custom.deleteNamespacedCustomObject({
      group: 'dpm.operator.dev',
      version: 'v1alpha1',
      namespace: env.ns,
      plural: 'partitions',
      name: 'keep-me',
    });
    await waitFor('CR gone', async () => (await cr('keep-me')) === undefined);
    const still = (await env.hmcPartitions()).find((x) => x['object-uri'] === p.status!.partitionUri);
    expect(still?.name).toBe(p.status?.hmcName);
    await waitFor('Orphaned event', async () =>
      (await env.events()).some((e) => e.name === 'keep-me' && e.reason === 'Orphaned'),
    );
  });

  it('refuses a partition beyond the CpcSubset limits before any HMC call', async () => {
    await env.sim.admin.resetStats();
    await applyObjects(env.kc, env.ns, [partitionCr('too-big', { processors: { ifls: 17 } })]);
    const p = await waitFor('LimitExceeded', async () => {
      const x = await cr('too-big');
      return x?.status?.conditions?.find((c) => c.type === 'Ready' && c.reason === 'LimitExceeded')
        ? x
        : undefined;
    });
    expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.message).toContain('spec.processors.ifls');
    expect(p.status?.partitionUri).toBeUndefined();
    const stats = await env.sim.admin.stats();
    expect(stats.routes['POST /api/cpcs/{id}/partitions']?.count ?? 0).toBe(0);
    await waitFor('LimitExceeded warning event', async () =>
      (await env.events()).some(
        (e) => e.name === 'too-big' && e.type === 'Warning' && e.reason === 'LimitExceeded',
      ),
    );
    // Memory: 65536 MiB in the subset; 70000 MiB cannot fit.
    await applyObjects(env.kc, env.ns, [
      partitionCr('too-much-mem', { memory: { initialMiB: 70000, maximumMiB: 70000 } }),
    ]);
    const m = await waitFor('memory refused', async () => {
      const x = await cr('too-much-mem');
      return x?.status?.conditions?.find((c) => c.type === 'Ready' && c.reason === 'LimitExceeded')
        ? x
        : undefined;
    });
    expect(m.status?.conditions?.find((c) => c.type === 'Ready')?.message).toContain(
      'spec.memory.initialMiB',
    );
  });

  it('converges without a duplicate after a restart in the middle of a create', async () => {
    // The create reaches the HMC, but its answer is lost (connection reset after the HMC acted is what a
    // crash looks like to the client): the operator must find the partition by its deterministic name.
    await env.stopOperator();
    // Simulate "operator recorded the attempt, sent the create, died before recording the answer": the
    // create-attempted annotation (written before every create) and the partition on the HMC.
    await applyObjects(env.kc, env.ns, [
      {
        ...partitionCr('crashy'),
        metadata: {
          name: 'crashy',
          annotations: { 'dpm.operator.dev/create-attempted': 'true' },
          finalizers: ['dpm.operator.dev/finalizer'],
        },
      },
    ]);
    const crashy = await waitFor('CR', () => cr('crashy'));
    await env.hmc.post(`${SEED_CPC_URI}/partitions`, {
      name: `OpenStack-demo-${crashy.metadata.uid}`,
      description: 'OpenStack CPCSubset=demo',
      'ifl-processors': 2,
      'initial-memory': 4096,
      'maximum-memory': 4096,
    });
    await env.sim.admin.resetStats();
    await env.startOperator();
    const p = await ready('crashy');
    const same = (await env.hmcPartitions()).filter(
      (x) => x.name === `OpenStack-demo-${crashy.metadata.uid}`,
    );
    expect(same).toHaveLength(1);
    expect(p.status?.partitionUri).toBe(same[0]!['object-uri']);
    expect((await env.sim.admin.stats()).routes['POST /api/cpcs/{id}/partitions']?.count ?? 0).toBe(0);
  });

  it('converges under injected HMC faults without duplicates', async () => {
    await env.sim.admin.resetStats();
    await env.sim.admin.setFaults([
      {
        route: 'POST /api/cpcs/{id}/partitions',
        kind: 'error',
        httpStatus: 503,
        reason: 0,
        rate: 1,
        count: 2,
      },
      { route: 'GET /api/partitions/{id}', kind: 'error', httpStatus: 500, reason: 0, rate: 0.3 },
      {
        kind: 'job-failure',
        operation: 'start',
        httpStatus: 409,
        reason: 131,
        message: 'The operating system in the partition failed to load.',
        count: 1,
      },
      { kind: 'latency', ms: 20 },
    ]);
    await applyObjects(env.kc, env.ns, [partitionCr('faulty')]);
    const p = await waitFor(
      'faulty Running',
      async () => {
        const x = await cr('faulty');
        return x?.status?.phase === 'Running' ? x : undefined;
      },
      90_000,
    );
    await env.sim.admin.clearFaults();
    const named = (await env.hmcPartitions()).filter((x) => x.name === p.status?.hmcName);
    expect(named).toHaveLength(1);
    const stats = await env.sim.admin.stats();
    expect(stats.routes['POST /api/partitions/{id}/operations/start']?.count).toBeGreaterThanOrEqual(2);
    await waitFor('warning event for the failed start', async () =>
      (await env.events()).some((e) => e.name === 'faulty' && e.type === 'Warning'),
    );
  });

  it('refuses an HBA on an adapter port outside the CpcSubset storageAdapterPorts, naming the field', async () => {
    await applyObjects(env.kc, env.ns, [
      partitionCr('wrong-port'),
      {
        apiVersion: 'dpm.operator.dev/v1alpha1',
        kind: 'PartitionHba',
        metadata: { name: 'wrong-port-hba' },
        spec: {
          partitionRef: { name: 'wrong-port' },
          adapterPort: { adapterObjectId: 'a1b2c3d4-0000-4000-8000-0000000000f1', port: 3 },
        },
      } as k8s.KubernetesObject,
    ]);
    const p = await waitFor('refused', async () => {
      const x = await cr('wrong-port');
      return x?.status?.conditions?.find((c) => c.type === 'Ready' && c.reason === 'AdapterNotFound')
        ? x
        : undefined;
    });
    expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.message).toContain(
      'spec.storageAdapterPorts',
    );
  });

  it('tells a PartitionNic whose Partition does not exist', async () => {
    await applyObjects(env.kc, env.ns, [
      {
        apiVersion: 'dpm.operator.dev/v1alpha1',
        kind: 'PartitionNic',
        metadata: { name: 'lost-nic' },
        spec: {
          partitionRef: { name: 'no-such-partition' },
          virtualSwitch: { objectId: 'a1b2c3d4-0000-4000-8000-0000000000b1' },
          mac: '02:00:00:00:99:01',
        },
      } as k8s.KubernetesObject,
    ]);
    await waitFor('PartitionNotFound', async () => {
      const n = await getCr<{
        status?: { conditions?: { type: string; reason: string; message: string }[] };
      }>(env, 'partitionnics', 'lost-nic');
      return n?.status?.conditions?.some(
        (c) => c.reason === 'PartitionNotFound' && c.message.includes('no-such-partition'),
      );
    });
  });

  it('adopts an unowned partition only when asked, and never touches the others', async () => {
    const before = (await env.hmcPartitions()).filter((x) => !x.name.startsWith('OpenStack-'));
    await applyObjects(env.kc, env.ns, [
      partitionCr('adopted', {
        adoptPartitionName: 'LINUX-PROD-01',
        powerState: 'Stopped',
        deletionPolicy: 'Orphan',
      }),
    ]);
    const p = await waitFor('adopted', async () => {
      const x = await cr('adopted');
      return x?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? x : undefined;
    });
    expect(p.status?.hmcName).toBe('LINUX-PROD-01');
    const after = (await env.hmcPartitions()).filter((x) => !x.name.startsWith('OpenStack-'));
    expect(after.map((x) => [x.name, x.status])).toEqual(before.map((x) => [x.name, x.status]));
    await env.custom.patchNamespacedCustomObject(
      {
        group: 'dpm.operator.dev',
        version: 'v1alpha1',
        namespace: env.ns,
        plural: 'partitions',
        name: 'adopted',
        body: { metadata: { annotations: { 'dpm.operator.dev/paused': 'true' } } },
      },
      mergePatch,
    );
  });

  it('refuses to adopt a partition already managed, or owned by another CpcSubset', async () => {
    const refusal = async (name: string): Promise<string | undefined> =>
      waitFor(`${name} refused`, async () => {
        const c = (await cr(name))?.status?.conditions?.find(
          (x) => x.type === 'Ready' && x.reason === 'AdoptionFailed',
        );
        return c?.message;
      });
    await applyObjects(env.kc, env.ns, [partitionCr('adopt-twice', { adoptPartitionName: 'LINUX-PROD-01' })]);
    expect(await refusal('adopt-twice')).toContain('already managed by Partition');

    await env.hmc.post(`${SEED_CPC_URI}/partitions`, {
      name: 'theirs',
      description: 'OpenStack CPCSubset=othersubset',
      'ifl-processors': 1,
      'initial-memory': 1024,
      'maximum-memory': 1024,
    });
    await applyObjects(env.kc, env.ns, [partitionCr('grabby', { adoptPartitionName: 'theirs' })]);
    expect(await refusal('grabby')).toContain('belongs to CpcSubset othersubset');
    const theirs = (await env.hmcPartitions()).find((x) => x.name === 'theirs');
    const props = await env.hmc.get<{ description: string }>(theirs!['object-uri']);
    expect(props.description).toBe('OpenStack CPCSubset=othersubset');
  });
});

describe('limits free up', () => {
  it('admits a refused partition once another one of the subset is deleted', async () => {
    const env = await startOperatorEnv();
    try {
      const objs = await sampleObjects(env.sim, ['00-hmc-credentials.yaml', '01-cpcsubset.yaml']);
      (objs[1] as { spec: { limits: { maxPartitions: number } } }).spec.limits.maxPartitions = 1;
      await applyObjects(env.kc, env.ns, objs);
      await applyObjects(env.kc, env.ns, [partitionCr('first'), partitionCr('second')]);
      const get = (n: string): Promise<Partition | undefined> => getCr<Partition>(env, 'partitions', n);
      await waitFor('first Running', async () => (await get('first'))?.status?.phase === 'Running');
      const refused = await waitFor('second refused', async () => {
        const p = await get('second');
        return p?.status?.conditions?.find((c) => c.type === 'Ready' && c.reason === 'LimitExceeded')
          ? p
          : undefined;
      });
      expect(refused.status?.conditions?.find((c) => c.type === 'Ready')?.message).toContain(
        'maxPartitions 1',
      );
      await env.custom.deleteNamespacedCustomObject({
        group: 'dpm.operator.dev',
        version: 'v1alpha1',
        namespace: env.ns,
        plural: 'partitions',
        name: 'first',
      });
      await waitFor('second Running', async () => (await get('second'))?.status?.phase === 'Running');
    } finally {
      await env.stop();
    }
  });
});

describe('deleting while the HMC is gone', () => {
  it('waits rather than dropping the finalizer, and deletionPolicy Orphan releases it', async () => {
    const env = await startOperatorEnv();
    let simStopped = false;
    try {
      await env.applySamples(['00-hmc-credentials.yaml', '01-cpcsubset.yaml']);
      await applyObjects(env.kc, env.ns, [partitionCr('stranded')]);
      const get = (): Promise<Partition | undefined> => getCr<Partition>(env, 'partitions', 'stranded');
      await waitFor('Running', async () => (await get())?.status?.phase === 'Running');
      await env.hmc.close();
      await env.sim.stop();
      simStopped = true;
      const ref = {
        group: 'dpm.operator.dev',
        version: 'v1alpha1',
        namespace: env.ns,
        plural: 'partitions',
        name: 'stranded',
      };
      await env.custom.deleteNamespacedCustomObject(ref);
      // The HMC partition cannot be deleted: the CR stays, held by the finalizer.
      await new Promise((r) => setTimeout(r, 3000));
      const held = await get();
      expect(held?.metadata.deletionTimestamp).toBeTruthy();
      expect(held?.metadata.finalizers).toContain('dpm.operator.dev/finalizer');
      // The documented escape hatch: switch to Orphan; no HMC call is needed to let go.
      await env.custom.patchNamespacedCustomObject(
        { ...ref, body: { spec: { deletionPolicy: 'Orphan' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await waitFor('CR gone', async () => (await get()) === undefined, 30_000);
    } finally {
      if (simStopped) await env.stopOperator();
      else await env.stop();
    }
  });
});

describe('a CpcSubset naming a CPC the HMC does not have', () => {
  it('is refused with a condition and an Event naming the field', async () => {
    const env = await startOperatorEnv();
    try {
      const objs = await sampleObjects(env.sim, ['00-hmc-credentials.yaml', '01-cpcsubset.yaml']);
      (objs[1] as { spec: { cpc: { name: string } } }).spec.cpc.name = 'NOSUCHCPC';
      await applyObjects(env.kc, env.ns, objs);
      const ready = await waitFor('CpcNotFound', async () => {
        const s = await getCr<{
          status?: { conditions?: { type: string; reason: string; message: string }[] };
        }>(env, 'cpcsubsets', 'demo');
        return s?.status?.conditions?.find((c) => c.type === 'Ready' && c.reason === 'CpcNotFound');
      });
      expect(ready.message).toContain('spec.cpc.name');
      expect(ready.message).toContain('NOSUCHCPC');
      await waitFor('warning Event', async () =>
        (await env.events()).some(
          (e) => e.name === 'demo' && e.type === 'Warning' && e.reason === 'CpcNotFound',
        ),
      );
    } finally {
      await env.stop();
    }
  });
});
