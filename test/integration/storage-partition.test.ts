// A Partition booting from a storage volume of a StorageGroup on the simulator's current-machine seed (z16,
// dpm-storage-management on), on the real kube-apiserver: attach, wait (not fail) while the boot volume is
// pending, start on the fulfillment notification, paths to zone in status, kernel parameters for the guest
// tools, a by-name group detached (not deleted) when the partition goes, and PartitionHba refused clearly.
import * as k8s from '@kubernetes/client-node';
import type { CpcSubset, Partition, StorageGroup } from '../../src/crds/index.js';
import { getCr, SEED_CPC_URI, startOperatorEnv, waitFor, type OperatorEnv } from '../harness/operator.js';

const cond = (p: Partition | undefined, type = 'Ready') =>
  p?.status?.conditions?.find((c) => c.type === type);

describe('Partition with storage groups (z16 seed)', () => {
  let env: OperatorEnv;
  const partition = (name = 'web-01') => getCr<Partition>(env, 'partitions', name);
  const create = (plural: string, body: object) =>
    env.custom.createNamespacedCustomObject({
      group: 'dpm.operator.dev',
      version: 'v1alpha1',
      namespace: env.ns,
      plural,
      body,
    });
  const remove = (plural: string, name: string) =>
    env.custom.deleteNamespacedCustomObject({
      group: 'dpm.operator.dev',
      version: 'v1alpha1',
      namespace: env.ns,
      plural,
      name,
    });
  const hmcGroups = async () =>
    (
      await env.hmc.get<{ 'storage-groups': { 'object-uri': string; name: string }[] }>('/api/storage-groups')
    )['storage-groups'];

  beforeAll(async () => {
    env = await startOperatorEnv({ sim: { seedName: 'current' }, resyncMs: 1000 });
    await env.applySamples(['00-hmc-credentials.yaml', '01-cpcsubset.yaml']);
    await waitFor('CpcSubset Ready', async () => {
      const s = await getCr<CpcSubset>(env, 'cpcsubsets', 'demo');
      return s?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? s : undefined;
    });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('attaches the group, waits while the boot volume is pending, starts when the notification says complete', async () => {
    await env.sim.admin.resetStats();
    await env.applySamples(['storage/storagegroup.yaml', '03-nics.yaml']);
    await create('partitions', {
      apiVersion: 'dpm.operator.dev/v1alpha1',
      kind: 'Partition',
      metadata: { name: 'web-01' },
      spec: {
        cpcSubsetRef: { name: 'demo' },
        processors: { ifls: 1 },
        memory: { initialMiB: 2048, maximumMiB: 4096 },
        kernelParameters: 'console=ttysclp0',
        storageGroups: [{ storageGroupRef: { name: 'web-01-storage' } }],
        boot: {
          type: 'StorageVolume',
          storageVolume: { storageGroupRef: { name: 'web-01-storage' }, volume: 'boot' },
        },
      },
    });
    const waiting = await waitFor(
      'BootVolumePending with paths',
      async () => {
        const p = await partition();
        const g = p?.status?.storageGroups?.[0];
        return cond(p)?.reason === 'BootVolumePending' && g?.attached && (g.paths?.length ?? 0) === 2
          ? p
          : undefined;
      },
      60_000,
    );
    expect(cond(waiting)?.status).toBe('False');
    expect(cond(waiting)?.message).toMatch(/boot volume boot of storage group web-01-storage is pending/);
    expect(cond(waiting)?.message).toMatch(/zone the virtual WWPNs/);
    expect(waiting.status?.hmcStatus).toBe('stopped');
    const entry = waiting.status!.storageGroups![0]!;
    expect(entry.storageGroupRef).toBe('web-01-storage');
    for (const path of entry.paths!) {
      expect(path.wwpn).toMatch(/^[0-9a-f]{16}$/i);
      expect(path.deviceNumber).toMatch(/^[0-9a-f]{4}$/i);
    }
    const sg = (await getCr<StorageGroup>(env, 'storagegroups', 'web-01-storage'))!;
    expect(
      (await env.sim.admin.stats()).routes['POST /api/partitions/{id}/operations/start']?.count ?? 0,
    ).toBe(0);

    // The SAN administrator fulfills; the notification (not a poll: the recheck is minutes away) starts it.
    expect(await env.sim.admin.fulfillStorage(sg.status!.groupUri!)).toBe(2);
    const running = await waitFor(
      'partition Running, its start job finished',
      async () => {
        const p = await partition();
        return p?.status?.phase === 'Running' && cond(p)?.status === 'True' && !p.status.pendingJob
          ? p
          : undefined;
      },
      60_000,
    );
    expect(running.status?.storageGroups?.[0]?.fulfillmentState).toBe('complete');
    const stats = await env.sim.admin.stats();
    if (process.env.DPM_PRINT_ROUTES) process.stdout.write(`${JSON.stringify(stats.routes, null, 1)}\n`);
    process.stdout.write(
      `HMC requests, apply -> Active via a storage group (group with 2 volumes + partition with 2 NICs, fulfillment included): total ${stats.total}\n`,
    );
    // The minimal chain: nothing is read back that an answer or a notification told, the name lookups of
    // new objects are skipped (nothing was attempted before), the VSRs are read once (their WWPNs and device
    // numbers are in no notification), the attached partition is named from its Partition's status.
    expect(stats.routes).toEqual({
      'POST /api/storage-groups': { count: 1, errors: 0 },
      'POST /api/storage-groups/{id}/operations/add-candidate-adapter-ports': { count: 1, errors: 0 },
      'GET /api/cpcs/{id}/virtual-switches': { count: 1, errors: 0 }, // once per CPC and connection
      'POST /api/cpcs/{id}/partitions': { count: 1, errors: 0 },
      'POST /api/partitions/{id}/nics': { count: 2, errors: 0 },
      'POST /api/partitions/{id}/operations/attach-storage-group': { count: 1, errors: 0 },
      'GET /api/storage-groups/{id}/virtual-storage-resources': { count: 1, errors: 0 },
      'POST /api/partitions/{id}': { count: 1, errors: 0 }, // boot-device, boot volume, kernel parameters
      'POST /api/partitions/{id}/operations/start': { count: 1, errors: 0 },
      'DELETE /api/jobs/{id}': { count: 1, errors: 0 },
    });
    expect(stats.total).toBe(11); // 28 before the storage caches followed notifications

    const hmcPart = await env.hmc.get<Record<string, unknown>>(waiting.status!.partitionUri!);
    expect(hmcPart['storage-group-uris']).toEqual([sg.status!.groupUri]);
    expect(hmcPart['boot-device']).toBe('storage-volume');
    expect(hmcPart['boot-storage-volume']).toBe(sg.status!.volumes!.find((v) => v.name === 'boot')!.uri);
    // The guest tools' kernel parameters: one entry per NIC, then the user's text.
    expect(String(hmcPart['boot-os-specific-parameters'])).toMatch(/;console=ttysclp0$|console=ttysclp0$/);
    expect(String(hmcPart['boot-os-specific-parameters']).split(';').length).toBeGreaterThanOrEqual(3);

    // Steady state: informer resyncs every second re-run both reconcilers, 10 times over the window; none
    // asks the HMC anything.
    await env.sim.admin.resetStats();
    const passes = env.reconciles.length;
    await new Promise((r) => setTimeout(r, 10_000));
    const idle = await env.sim.admin.stats();
    if (process.env.DPM_PRINT_ROUTES) process.stdout.write(`${JSON.stringify(idle.routes, null, 1)}\n`);
    process.stdout.write(`HMC requests in 10 s of steady state (storage group + partition): ${idle.total}\n`);
    const quiet = env.reconciles.slice(passes);
    expect(quiet.filter((r) => r.controller === 'storagegroup').length).toBeGreaterThanOrEqual(5);
    expect(quiet.filter((r) => r.controller === 'partition').length).toBeGreaterThanOrEqual(5);
    expect(idle.total).toBe(0);
  });

  it('a VSR renumbered on the HMC after attach shows in both statuses, from the notification alone', async () => {
    const sg = (await getCr<StorageGroup>(env, 'storagegroups', 'web-01-storage'))!;
    const vsrs = (
      await env.hmc.get<{
        'virtual-storage-resources': { 'element-uri': string; 'device-number': string }[];
      }>(`${sg.status!.groupUri!}/virtual-storage-resources`)
    )['virtual-storage-resources'];
    const target = vsrs[0]!;
    const before = await env.sim.admin.stats();
    await env.hmc.post(target['element-uri'], { 'device-number': '1a7f' });
    const seen = (paths: { deviceNumber?: string }[] | undefined): boolean =>
      (paths ?? []).some((p) => p.deviceNumber?.toLowerCase() === '1a7f');
    await waitFor('StorageGroup path renumbered', async () => {
      const g = await getCr<StorageGroup>(env, 'storagegroups', 'web-01-storage');
      return seen(g?.status?.paths) ? g : undefined;
    });
    const p = await waitFor('Partition path renumbered', async () => {
      const x = await partition();
      return seen(x?.status?.storageGroups?.[0]?.paths) ? x : undefined;
    });
    expect(p.status!.storageGroups![0]!.paths).toHaveLength(2);
    const after = await env.sim.admin.stats();
    // The test's own POST is the only request: the operator read nothing.
    expect(after.total - before.total).toBe(1);
  });

  it('stops and starts again from the same storage volume', async () => {
    const patchSpec = (spec: object) =>
      env.custom.patchNamespacedCustomObject(
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
    await patchSpec({ powerState: 'Stopped' });
    const stopped = await waitFor(
      'partition stopped',
      async () => {
        const p = await partition();
        return p?.status?.hmcStatus === 'stopped' && p.status.phase === 'Stopped' ? p : undefined;
      },
      60_000,
    );
    await env.sim.admin.resetStats();
    await patchSpec({ powerState: 'Active' });
    await waitFor(
      'partition Running again',
      async () => {
        const p = await partition();
        return p?.status?.phase === 'Running' && cond(p)?.status === 'True' ? p : undefined;
      },
      60_000,
    );
    const hmcPart = await env.hmc.get<Record<string, unknown>>(stopped.status!.partitionUri!);
    expect(hmcPart.status).toBe('active');
    expect(hmcPart['boot-device']).toBe('storage-volume');
    const stats = await env.sim.admin.stats();
    expect(stats.routes['POST /api/partitions/{id}/operations/start']?.count).toBe(1);
    // Attached once: a restart neither detaches nor attaches the group again.
    expect(stats.routes['POST /api/partitions/{id}/operations/attach-storage-group']?.count ?? 0).toBe(0);
    expect(stats.routes['POST /api/partitions/{id}/operations/detach-storage-group']?.count ?? 0).toBe(0);
  });

  it('a shared group attached by HMC name is detached, not deleted, when one of its partitions goes', async () => {
    // A shared group someone else (the storage team) created: the operator only attaches and detaches it.
    const made = await env.hmc.post<{ 'object-uri': string }>('/api/storage-groups', {
      name: 'SHARED-DATA',
      'cpc-uri': SEED_CPC_URI,
      type: 'fcp',
      description: "shared data disks (not the operator's)",
      shared: true,
      'max-partitions': 2,
      'storage-volumes': [{ operation: 'create', name: 'shared', size: 50, usage: 'data' }],
    });
    const group = made.body['object-uri'];
    const partitionWith = (name: string) =>
      create('partitions', {
        apiVersion: 'dpm.operator.dev/v1alpha1',
        kind: 'Partition',
        metadata: { name },
        spec: {
          cpcSubsetRef: { name: 'demo' },
          processors: { ifls: 1 },
          memory: { initialMiB: 1024, maximumMiB: 1024 },
          powerState: 'Stopped',
          storageGroups: [{ name: 'SHARED-DATA' }],
        },
      });
    await partitionWith('db-01');
    await partitionWith('db-02');
    const attachedNames = async () =>
      (await env.hmc.get<{ partitions: { name: string }[] }>(`${group}/operations/get-partitions`)).partitions
        .map((x) => x.name)
        .sort();
    const [p1, p2] = await waitFor('both attached', async () => {
      const a = await partition('db-01');
      const b = await partition('db-02');
      return a?.status?.storageGroups?.[0]?.attached && b?.status?.storageGroups?.[0]?.attached
        ? [a, b]
        : undefined;
    });
    expect(await attachedNames()).toEqual([p1!.status!.hmcName, p2!.status!.hmcName].sort());
    // A path of db-01 renumbered on the HMC: db-01 reads its paths again (one request), db-02 does not.
    const statsBefore = await env.sim.admin.stats();
    const vsr = (
      await env.hmc.get<{
        'virtual-storage-resources': { 'element-uri': string; 'partition-uri': string }[];
      }>(`${group}/virtual-storage-resources`)
    )['virtual-storage-resources'].find((v) => v['partition-uri'] === p1!.status!.partitionUri)!;
    await env.hmc.post(vsr['element-uri'], { 'device-number': '1b2c' });
    await waitFor('db-01 path renumbered', async () => {
      const x = await partition('db-01');
      return x?.status?.storageGroups?.[0]?.paths?.some((p) => p.deviceNumber?.toLowerCase() === '1b2c')
        ? x
        : undefined;
    });
    await new Promise((r) => setTimeout(r, 1000)); // db-02's passes, had they read anything
    const statsAfter = await env.sim.admin.stats();
    const vsrReads = 'GET /api/storage-groups/{id}/virtual-storage-resources';
    // The test's own list and POST, and db-01's one read.
    expect(statsAfter.total - statsBefore.total).toBe(3);
    expect((statsAfter.routes[vsrReads]?.count ?? 0) - (statsBefore.routes[vsrReads]?.count ?? 0)).toBe(2);
    const before = await env.hmc.get<Record<string, unknown>>(group);

    await remove('partitions', 'db-01');
    await waitFor('db-01 gone', async () => ((await partition('db-01')) ? undefined : true), 60_000);
    expect(await attachedNames()).toEqual([p2!.status!.hmcName]);
    const after = await env.hmc.get<Record<string, unknown>>(group);
    expect(after.description).toBe(before.description);
    expect(after['storage-volume-uris']).toEqual(before['storage-volume-uris']);

    // Dropping the group from the spec detaches it (it was attached by the operator) and leaves it on the HMC.
    await env.custom.patchNamespacedCustomObject(
      {
        group: 'dpm.operator.dev',
        version: 'v1alpha1',
        namespace: env.ns,
        plural: 'partitions',
        name: 'db-02',
        body: [{ op: 'remove', path: '/spec/storageGroups' }],
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    await waitFor('db-02 detached', async () => ((await attachedNames()).length === 0 ? true : undefined));
    expect((await hmcGroups()).map((g) => g['object-uri'])).toContain(group);
    await remove('partitions', 'db-02');
  });

  it('a PartitionHba on a CPC with storage management gets one clear condition and Event, no retry loop', async () => {
    await create('partitions', {
      apiVersion: 'dpm.operator.dev/v1alpha1',
      kind: 'Partition',
      metadata: { name: 'hba-01' },
      spec: {
        cpcSubsetRef: { name: 'demo' },
        processors: { ifls: 1 },
        memory: { initialMiB: 1024, maximumMiB: 1024 },
        powerState: 'Stopped',
      },
    });
    await create('partitionhbas', {
      apiVersion: 'dpm.operator.dev/v1alpha1',
      kind: 'PartitionHba',
      metadata: { name: 'hba-01-a' },
      spec: {
        partitionRef: { name: 'hba-01' },
        adapterPort: { adapterObjectId: 'a1b2c3d4-0000-4000-8000-0000000000f1', port: 0 },
      },
    });
    const p = await waitFor('HbaNotSupported', async () => {
      const x = await partition('hba-01');
      return cond(x)?.reason === 'HbaNotSupported' ? x : undefined;
    });
    expect(cond(p)?.message).toMatch(/PartitionHba hba-01-a: CPC CPCZ16A has dpm-storage-management on/);
    await env.sim.admin.resetStats();
    await new Promise((r) => setTimeout(r, 4000));
    const stats = await env.sim.admin.stats();
    expect(stats.routes['POST /api/partitions/{id}/hbas']?.count ?? 0).toBe(0);
    const events = (await env.events()).filter((e) => e.name === 'hba-01' && e.reason === 'HbaNotSupported');
    expect(events).toHaveLength(1);
  });
});
