// Fast tier: the CpcSubset reconciler. An HMC check costs two requests; between checks the usage columns
// follow the subset's Partitions from the cache at no HMC cost; Ready is announced once.
import pino from 'pino';
import { PLURAL, type CpcSubset, type Partition } from '../../../src/crds/index.js';
import { CpcSubsetReconciler } from '../../../src/controllers/cpcsubset/reconciler.js';
import { NS, partitionCr, startReconcileEnv, type ReconcileEnv } from './harness.js';

describe('CpcSubset reconcile (fast tier)', () => {
  let env: ReconcileEnv;
  afterAll(async () => {
    await env?.stop();
  });

  it('checks the CPC with two requests, then keeps usage in step with its partitions without the HMC', async () => {
    env = await startReconcileEnv();
    // A subset never checked yet (the harness's own starts Ready).
    delete env.kube.get<CpcSubset>(PLURAL.CpcSubset, NS, 'demo')!.status;
    const reconciler = () =>
      new CpcSubsetReconciler({
        subsets: env.kube.cache<CpcSubset>(PLURAL.CpcSubset),
        partitions: env.kube.cache<Partition>(PLURAL.Partition),
        connect: async () => ({
          fingerprint: 'f',
          client: env.client,
          gateway: env.gateway,
          secretVersion: '1',
        }),
        disconnect: async () => undefined,
        writer: env.kube,
        events: env.kube,
        log: pino({ level: 'silent' }),
        resyncMs: 600_000,
        onDrift: () => undefined,
      });
    const r = reconciler();
    const subset = (): CpcSubset => env.kube.get<CpcSubset>(PLURAL.CpcSubset, NS, 'demo')!;
    await env.sim.admin.resetStats();
    const first = await r.reconcile(`${NS}/demo`);
    expect(first).toEqual({ kind: 'requeue', afterMs: 600_000 });
    expect(subset().status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(subset().status?.usage).toEqual({ partitions: 0, processors: 0, memoryMiB: 0 });
    // by name: the CPC list and the CPC, plus the owned-partition list
    expect((await env.sim.admin.stats()).total).toBe(3);

    env.kube.apply(PLURAL.Partition, partitionCr('user', { processors: { ifls: 2, mode: 'Shared' } }));
    await env.settle(
      () => Boolean(env.kube.get<Partition>(PLURAL.Partition, NS, 'user')?.status?.partitionUri),
      'created',
    );
    await env.sim.admin.resetStats();
    const second = await r.reconcile(`${NS}/demo`);
    expect(second.kind).toBe('requeue'); // the periodic check keeps its deadline
    expect(subset().status?.usage).toEqual({ partitions: 1, processors: 2, memoryMiB: 1024 });
    expect((await env.sim.admin.stats()).total).toBe(0);
    expect(env.kube.events.filter((e) => e.name === 'demo' && e.reason === 'Ready')).toHaveLength(1);

    // A restarted operator has no record of the last check: its first pass asks the HMC again.
    await reconciler().reconcile(`${NS}/demo`);
    expect((await env.sim.admin.stats()).routes['GET /api/cpcs/{id}/partitions']?.count).toBe(1);
    expect(subset().status?.usage?.partitions).toBe(1);
  });
});
