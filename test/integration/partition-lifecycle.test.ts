// The sample manifests reconciled by the operator against the HMC simulator on the real kube-apiserver.
import * as k8s from '@kubernetes/client-node';
import type { Partition, PartitionHba, PartitionNic, CpcSubset } from '../../src/crds/index.js';
import { buildBootOsSpecificParameters } from '../../src/controllers/partition/boot-params.js';
import { getCr, SEED_CPC_URI, startOperatorEnv, waitFor, type OperatorEnv } from '../harness/operator.js';

const SAMPLE_FILES = [
  '00-hmc-credentials.yaml',
  '01-cpcsubset.yaml',
  '02-partition.yaml',
  '03-nics.yaml',
  '04-hbas.yaml',
];

function partitionRequests(routes: Record<string, { count: number }>): number {
  return Object.entries(routes)
    .filter(([k]) => /\/api\/partitions|\/partitions\b|\/api\/jobs|\/api\/virtual-switches/.test(k))
    .reduce((s, [, v]) => s + v.count, 0);
}

describe('partition lifecycle against the HMC simulator', () => {
  let env: OperatorEnv;

  beforeAll(async () => {
    env = await startOperatorEnv({ resyncMs: 1000 });
  });
  afterAll(async () => {
    await env?.stop();
  });

  const patchSpec = async (spec: object): Promise<void> => {
    await env.custom.patchNamespacedCustomObject(
      {
        group: 'dpm.operator.dev',
        version: 'v1alpha1',
        namespace: env.ns,
        plural: 'partitions',
        name: 'web-01',
        body: { spec },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  };
  const partition = (): Promise<Partition | undefined> => getCr<Partition>(env, 'partitions', 'web-01');

  it('brings the samples to an Active partition with 2 NICs and 2 HBAs booting from the FCP LUN', async () => {
    const foreignBefore = (await env.hmcPartitions()).filter((p) => !p.name.startsWith('OpenStack-'));
    await env.sim.admin.resetStats();
    await env.applySamples(SAMPLE_FILES);

    const subset = await waitFor('CpcSubset Ready', async () => {
      const s = await getCr<CpcSubset>(env, 'cpcsubsets', 'demo');
      return s?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? s : undefined;
    });
    expect(subset.status?.cpcUri).toBe(SEED_CPC_URI);
    expect(subset.status?.dpmEnabled).toBe(true);
    expect(subset.status?.seVersion).toBe('2.13.1'); // the z13 seed (test/harness/operator.ts)

    const p = await waitFor(
      'partition Running',
      async () => {
        const x = await partition();
        const ready = x?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        return x?.status?.phase === 'Running' && x.status.hmcStatus === 'active' && ready ? x : undefined;
      },
      90_000,
    );
    const stats = await env.sim.admin.stats();
    const applyRequests = partitionRequests(stats.routes);
    if (process.env.DPM_PRINT_ROUTES) process.stdout.write(`${JSON.stringify(stats.routes, null, 1)}\n`);
    process.stdout.write(
      `HMC requests, apply-to-Active (2 NICs, 2 HBAs): total ${stats.total}, partition/job/vswitch routes ${applyRequests}\n`,
    );
    // Exactly one create, never a duplicate.
    expect(stats.routes['POST /api/cpcs/{id}/partitions']?.count).toBe(1);
    expect(stats.routes['POST /api/partitions/{id}/nics']?.count).toBe(2);
    expect(stats.routes['POST /api/partitions/{id}/hbas']?.count).toBe(2);
    expect(stats.routes['POST /api/partitions/{id}/operations/start']?.count).toBe(1);
    // 16 when measured (22 before the observe/plan/act/report redesign). Per operator start and CPC: logon,
    // topics, CPC lookup (2), the CPC's virtual switches (NIC references are checked against them). Per
    // partition (11): the subset's usage list, create (no create-guard list: nothing was attempted yet, and
    // no GET after it: the cache is seeded), 2 HBA creates + 2 reads (WWPNs), 2 NIC creates (device numbers
    // chosen by the operator, so no read-back), 1 boot update, the start job and its DELETE (no job GET: the
    // partition's status notification shows the success).
    expect(applyRequests).toBeLessThanOrEqual(12);
    expect(stats.total).toBeLessThanOrEqual(18);
    expect(stats.routes['GET /api/partitions/{id}']?.count ?? 0).toBe(0);
    expect(stats.routes['GET /api/jobs/{id}']?.count ?? 0).toBe(0);
    // One usage list per CpcSubset check (a second check when the Secret's informer event arrives late).
    expect(stats.routes['GET /api/cpcs/{id}/partitions']?.count).toBeLessThanOrEqual(2);

    expect(p.status?.hmcName).toBe(`OpenStack-demo-${p.metadata.uid}`);
    expect(p.status?.powerState).toBe('Active');
    expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(p.status?.nics).toHaveLength(2);
    expect(p.status?.hbas).toHaveLength(2);
    for (const h of p.status?.hbas ?? []) expect(h.wwpn).toMatch(/^[0-9a-f]{16}$/);

    // The generated kernel parameters carry each NIC's HMC device number, port and MAC.
    const nics = await Promise.all(
      ['web-01-nic-a', 'web-01-nic-b'].map((n) => getCr<PartitionNic>(env, 'partitionnics', n)),
    );
    const expected = buildBootOsSpecificParameters({
      nics: nics.map((n) => ({
        deviceNumber: n!.status!.deviceNumber!,
        port: n!.spec.port,
        mac: n!.spec.mac,
      })),
    });
    expect(p.status?.bootOsSpecificParameters).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{4},0,02000000010a;[0-9a-f]{4},1,02000000010b;$/);

    // The HMC's own view agrees.
    const props = await env.hmc.get<Record<string, unknown>>(p.status!.partitionUri!);
    expect(props['boot-device']).toBe('storage-adapter');
    expect(props['boot-os-specific-parameters']).toBe(expected);
    const hbaA = await getCr<PartitionHba>(env, 'partitionhbas', 'web-01-hba-a');
    expect(props['boot-storage-device']).toBe(hbaA?.status?.elementUri);
    expect(String(props['boot-world-wide-port-name']).toLowerCase()).toBe('500507680b2145f0');
    expect(props['ifl-processors']).toBe(2);
    expect(props['initial-memory']).toBe(4096);

    // Foreign partitions on the same CPC are untouched.
    const foreignAfter = (await env.hmcPartitions()).filter((p) => !p.name.startsWith('OpenStack-'));
    expect(foreignAfter).toEqual(foreignBefore);
  });

  it('costs no per-partition HMC request in steady state (informer resyncs every second)', async () => {
    await env.sim.admin.resetStats();
    // 10 s with a 1 s resync = 10 full resync passes: the equivalent of 100 minutes at the default 10 min.
    await new Promise((r) => setTimeout(r, 10_000));
    const stats = await env.sim.admin.stats();
    process.stdout.write(`HMC requests in 10 resync passes of steady state: ${stats.total}\n`);
    expect(partitionRequests(stats.routes)).toBe(0);
  });

  it('stops and starts through spec.powerState, and updates a stopped-only property while stopped', async () => {
    await patchSpec({ powerState: 'Stopped' });
    const stopped = await waitFor('stopped', async () => {
      const x = await partition();
      return x?.status?.hmcStatus === 'stopped' && x.status.phase === 'Stopped' ? x : undefined;
    });
    expect(stopped.status?.powerState).toBe('Stopped');
    await patchSpec({ memory: { maximumMiB: 16384 } });
    await waitFor('maximum-memory updated on the HMC', async () => {
      const props = await env.hmc.get<Record<string, unknown>>(stopped.status!.partitionUri!);
      return props['maximum-memory'] === 16384;
    });
    await patchSpec({ powerState: 'Active' });
    await waitFor('active again', async () => {
      const x = await partition();
      return x?.status?.hmcStatus === 'active' && x.status.phase === 'Running';
    });
  });

  it('deletes the HMC partition when the Partition is deleted (deletionPolicy Delete)', async () => {
    const uri = (await partition())!.status!.partitionUri!;
    await env.custom.deleteNamespacedCustomObject({
      group: 'dpm.operator.dev',
      version: 'v1alpha1',
      namespace: env.ns,
      plural: 'partitions',
      name: 'web-01',
    });
    await waitFor('Partition CR gone', async () => (await partition()) === undefined);
    const all = await env.hmcPartitions();
    expect(all.find((p) => p['object-uri'] === uri)).toBeUndefined();
    expect(all.map((p) => p.name)).toEqual(expect.arrayContaining(['LINUX-PROD-01', 'zVM-LAB']));
    // Child CRs are released (no finalizer left blocking their deletion).
    const nic = await getCr<PartitionNic>(env, 'partitionnics', 'web-01-nic-a');
    expect(nic?.metadata.finalizers ?? []).not.toContain('dpm.operator.dev/finalizer');
  });
});
