// Self-healing: the HMC changes behind the operator's back (someone stops or deletes a partition on the HMC),
// and the operator restores the declared state — woken by HMC notifications, or, when notifications are
// lost, by the CpcSubset re-check (one partition list per subset, never one request per partition).
import type { Partition } from '../../src/crds/index.js';
import {
  applyObjects,
  getCr,
  sampleObjects,
  startOperatorEnv,
  waitFor,
  type OperatorEnv,
} from '../harness/operator.js';

describe('self-healing', () => {
  let env: OperatorEnv;
  const cr = (name: string): Promise<Partition | undefined> => getCr<Partition>(env, 'partitions', name);
  const running = (name: string, notUri?: string): Promise<Partition> =>
    waitFor(`${name} Running`, async () => {
      const p = await cr(name);
      return p?.status?.phase === 'Running' &&
        p.status.hmcStatus === 'active' &&
        p.status.partitionUri !== notUri
        ? p
        : undefined;
    });
  const hmcStatus = async (uri: string): Promise<string> =>
    (await env.hmc.get<{ status: string }>(`${uri}?properties=status`)).status;

  beforeAll(async () => {
    env = await startOperatorEnv({ subsetResyncMs: 2000 });
    await env.applySamples(['00-hmc-credentials.yaml', '01-cpcsubset.yaml']);
    await applyObjects(env.kc, env.ns, [
      {
        apiVersion: 'dpm.operator.dev/v1alpha1',
        kind: 'Partition',
        metadata: { name: 'healer' },
        spec: {
          cpcSubsetRef: { name: 'demo' },
          processors: { ifls: 1 },
          memory: { initialMiB: 2048, maximumMiB: 2048 },
          // a boot device, so a started partition is active rather than paused
          boot: {
            type: 'FcpVolume',
            fcpVolume: {
              adapterPort: { adapterObjectId: 'a1b2c3d4-0000-4000-8000-0000000000f1', port: 0 },
              targetWwpn: '500507680b2145f0',
              lun: '0',
            },
          },
        },
      },
      {
        apiVersion: 'dpm.operator.dev/v1alpha1',
        kind: 'PartitionHba',
        metadata: { name: 'healer-hba' },
        spec: {
          partitionRef: { name: 'healer' },
          adapterPort: { adapterObjectId: 'a1b2c3d4-0000-4000-8000-0000000000f1', port: 0 },
        },
      },
    ] as never);
    await running('healer');
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('starts a partition again that was stopped on the HMC (status-change notification)', async () => {
    const uri = (await cr('healer'))!.status!.partitionUri!;
    await env.sim.admin.resetStats();
    const res = await env.hmc.post<{ 'job-uri': string }>(`${uri}/operations/stop`);
    expect(res.status).toBe(202);
    // The operator's restart follows the stop within moments: count its start instead of catching 'stopped'.
    const starts = async (): Promise<number> =>
      (await env.sim.admin.stats()).routes['POST /api/partitions/{id}/operations/start']?.count ?? 0;
    await waitFor('started again by the operator', async () => (await starts()) >= 1, 30_000);
    await waitFor('active again', async () => (await hmcStatus(uri)) === 'active', 30_000);
    await running('healer');
  });

  it('recreates a partition that was deleted on the HMC (inventory-change notification)', async () => {
    const uri = (await cr('healer'))!.status!.partitionUri!;
    await env.sim.admin.resetStats();
    // Pause so the operator cannot restart it between our stop and delete.
    const pause = async (paused: boolean): Promise<void> => {
      const p = (await cr('healer'))!;
      p.metadata.annotations = { ...p.metadata.annotations, 'dpm.operator.dev/paused': String(paused) };
      await env.custom.replaceNamespacedCustomObject({
        group: 'dpm.operator.dev',
        version: 'v1alpha1',
        namespace: env.ns,
        plural: 'partitions',
        name: 'healer',
        body: p,
      });
    };
    await pause(true);
    await env.hmc.post(`${uri}/operations/stop`);
    await waitFor('stopped', async () => (await hmcStatus(uri)) === 'stopped');
    await env.hmc.delete(uri);
    await pause(false);
    const p = await running('healer', uri);
    expect(p.status?.partitionUri).not.toBe(uri);
    expect((await env.sim.admin.stats()).routes['POST /api/cpcs/{id}/partitions']?.count).toBe(1);
  });

  it('notices a change whose notifications were lost, through the CpcSubset re-check', async () => {
    const uri = (await cr('healer'))!.status!.partitionUri!;
    await env.sim.admin.setFaults([{ kind: 'drop-notifications', rate: 1 }]);
    await env.hmc.post(`${uri}/operations/stop`);
    await waitFor('stopped on the HMC', async () => (await hmcStatus(uri)) === 'stopped');
    await env.sim.admin.clearFaults();
    // The re-check runs every 2 s here; the next path that would notice (a STOMP reconnect resync) takes
    // ~14 s, so 8 s tells the two apart.
    await waitFor('restarted after the re-check', async () => (await hmcStatus(uri)) === 'active', 8_000);
  });
});

describe('credential rotation', () => {
  // Secrets are read by name, never watched: a changed Secret is picked up by the CpcSubset's periodic
  // re-check (here every 3 s; 10 min by default) and by a refused logon (test/hmc-client/session-ledger).
  it('opens a new HMC session when the Secret changed at the next re-check and logs the old one off', async () => {
    const env = await startOperatorEnv({ subsetResyncMs: 3000 });
    try {
      const objs = await sampleObjects(env.sim, ['00-hmc-credentials.yaml', '01-cpcsubset.yaml']);
      await applyObjects(env.kc, env.ns, objs);
      await waitFor('subset Ready', async () => {
        const s = await getCr<{ status?: { conditions?: { type: string; status: string }[] } }>(
          env,
          'cpcsubsets',
          'demo',
        );
        return s?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      });
      await env.sim.admin.resetStats();
      const secret = objs.find((o) => o.kind === 'Secret') as { stringData: Record<string, string> };
      secret.stringData['ca.crt'] = `${env.sim.caPem}\n`; // same CA, different bytes: a rotated Secret
      await applyObjects(env.kc, env.ns, [secret as never]);
      await waitFor('old session logged off', async () => {
        const r = (await env.sim.admin.stats()).routes;
        return (
          (r['POST /api/sessions']?.count ?? 0) >= 1 &&
          (r['DELETE /api/sessions/this-session']?.count ?? 0) >= 1
        );
      });
    } finally {
      await env.stop();
    }
  });
});
