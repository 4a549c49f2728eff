// The StorageGroup controller against the HMC simulator's current-machine seed (z16, dpm-storage-management
// on) on the real kube-apiserver: create with volumes and candidate ports, pending -> complete through the
// notification, volume changes, detach-before-delete, Orphan, a foreign group untouched, bad ports refused.
import * as k8s from '@kubernetes/client-node';
import type { CpcSubset, StorageGroup } from '../../src/crds/index.js';
import { getCr, startOperatorEnv, waitFor, type OperatorEnv } from '../harness/operator.js';

const FOREIGN = '/api/storage-groups/a1b2c3d4-0000-4000-8000-00000000d501';
const PORT_F1 = '/api/adapters/a1b2c3d4-0000-4000-8000-0000000000f1/storage-ports/0';
const PORT_F2 = '/api/adapters/a1b2c3d4-0000-4000-8000-0000000000f2/storage-ports/0';

type HmcGroup = Record<string, unknown> & { name: string; description: string };
type HmcVolume = { name: string; size: number; usage: string; 'fulfillment-state': string };

describe('StorageGroup against the HMC simulator (z16 seed)', () => {
  let env: OperatorEnv;
  const sg = (name = 'web-01-storage'): Promise<StorageGroup | undefined> =>
    getCr<StorageGroup>(env, 'storagegroups', name);
  const ready = (g: StorageGroup | undefined) => g?.status?.conditions?.find((c) => c.type === 'Ready');
  const hmcGroup = (uri: string) => env.hmc.get<HmcGroup>(uri);
  const hmcVolumes = async (uri: string) =>
    (await env.hmc.get<{ 'storage-volumes': HmcVolume[] }>(`${uri}/storage-volumes`))['storage-volumes'];
  const patch = async (plural: string, name: string, body: object): Promise<void> => {
    await env.custom.patchNamespacedCustomObject(
      { group: 'dpm.operator.dev', version: 'v1alpha1', namespace: env.ns, plural, name, body },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  };
  const del = (name: string) =>
    env.custom.deleteNamespacedCustomObject({
      group: 'dpm.operator.dev',
      version: 'v1alpha1',
      namespace: env.ns,
      plural: 'storagegroups',
      name,
    });

  beforeAll(async () => {
    env = await startOperatorEnv({ sim: { seedName: 'current' }, resyncMs: 1000 });
    await env.applySamples(['00-hmc-credentials.yaml', '01-cpcsubset.yaml']);
    const subset = await waitFor('CpcSubset Ready', async () => {
      const s = await getCr<CpcSubset>(env, 'cpcsubsets', 'demo');
      return s?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? s : undefined;
    });
    expect(subset.status?.storageModel).toBe('StorageGroups');
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('creates the group with its volumes and ports, reports pending once, then complete from the notification', async () => {
    const foreignBefore = await hmcGroup(FOREIGN);
    await env.sim.admin.resetStats();
    await env.applySamples(['storage/storagegroup.yaml']);
    const pending = await waitFor('FulfillmentPending', async () => {
      const g = await sg();
      return ready(g)?.reason === 'FulfillmentPending' && g?.status?.volumes?.length === 2 ? g : undefined;
    });
    const stats = await env.sim.admin.stats();
    process.stdout.write(
      `HMC requests, StorageGroup apply -> pending with 2 volumes: total ${stats.total}\n`,
    );
    // Create and add the ports; nothing is read back (the create answers the volume URIs) and no name
    // lookup precedes a create that was never attempted.
    expect(stats.routes).toEqual({
      'POST /api/storage-groups': { count: 1, errors: 0 },
      'POST /api/storage-groups/{id}/operations/add-candidate-adapter-ports': { count: 1, errors: 0 },
    });

    const uri = pending.status!.groupUri!;
    const hmc = await hmcGroup(uri);
    expect(hmc.name).toBe(`OpenStack-demo-${pending.metadata.uid}`);
    expect(hmc.description).toBe(
      `OpenStack CPCSubset=demo StorageGroup=${pending.metadata.uid} web-01 boot and data disks`,
    );
    expect(hmc.shared).toBe(false);
    expect(hmc['candidate-adapter-port-uris']).toEqual([PORT_F1, PORT_F2]);
    expect((await hmcVolumes(uri)).map((v) => [v.name, v.size, v.usage]).sort()).toEqual([
      ['boot', 32, 'boot'],
      ['data', 100, 'data'],
    ]);
    expect(pending.status?.fulfillmentState).toBe('pending');
    expect(ready(pending)?.message).toMatch(/volume\(s\) boot, data wait for the SAN administrator/);

    // More passes (a requested reconcile) do not repeat the pending Event.
    await patch('storagegroups', 'web-01-storage', {
      metadata: { annotations: { 'dpm.operator.dev/reconcile-requested-at': 'now-1' } },
    });
    await new Promise((r) => setTimeout(r, 3000));
    const pendingEvents = (await env.events()).filter(
      (e) => e.name === 'web-01-storage' && e.reason === 'FulfillmentPending',
    );
    expect(pendingEvents).toHaveLength(1);

    // The SAN administrator fulfills: the property-change notification alone brings the status to complete
    // (the controller's own recheck of a pending group is minutes away), with no read of the group.
    await env.sim.admin.resetStats();
    expect(await env.sim.admin.fulfillStorage(uri)).toBe(2);
    const complete = await waitFor('group complete', async () => {
      const g = await sg();
      return g?.status?.fulfillmentState === 'complete' && ready(g)?.status === 'True' ? g : undefined;
    });
    expect(complete.status?.volumes?.every((v) => v.fulfillmentState === 'complete')).toBe(true);
    expect((await env.sim.admin.stats()).total).toBe(0);
    expect((await env.events()).some((e) => e.reason === 'FulfillmentComplete')).toBe(true);

    // The foreign group was not touched.
    expect(await hmcGroup(FOREIGN)).toEqual(foreignBefore);
  });

  it('modifies the volumes to match the spec in one request', async () => {
    const uri = (await sg())!.status!.groupUri!;
    await env.sim.admin.resetStats();
    await patch('storagegroups', 'web-01-storage', {
      spec: {
        volumes: [
          { name: 'boot', sizeGiB: 32, usage: 'boot' },
          { name: 'logs', sizeGiB: 10 },
        ],
      },
    });
    await waitFor('volumes match', async () => {
      const names = (await hmcVolumes(uri)).map((v) => v.name).sort();
      return names.join() === 'boot,logs' ? names : undefined;
    });
    await waitFor('logs pending in status', async () => {
      const g = await sg();
      return g?.status?.volumes?.find((v) => v.name === 'logs')?.fulfillmentState === 'pending' &&
        ready(g)?.reason === 'FulfillmentPending'
        ? g
        : undefined;
    });
    // One modify; the new volume's URI is in its answer (the test's own volume list read is the other).
    const stats = await env.sim.admin.stats();
    expect(stats.routes['POST /api/storage-groups/{id}/operations/modify']?.count).toBe(1);
    expect(stats.total - (stats.routes['GET /api/storage-groups/{id}/storage-volumes']?.count ?? 0)).toBe(1);
  });

  it('detaches the group from its partitions before deleting it; the foreign group stays', async () => {
    const g = (await sg())!;
    const uri = g.status!.groupUri!;
    // A partition of the CPC that has the group attached (what a Partition with spec.storageGroups does).
    const cpc = '/api/cpcs/a1b2c3d4-0000-4000-8000-000000000001';
    const created = await env.hmc.post<{ 'object-uri': string }>(`${cpc}/partitions`, {
      name: 'sg-test-partition',
      'ifl-processors': 1,
      'initial-memory': 1024,
      'maximum-memory': 1024,
    });
    const part = created.body['object-uri'];
    await env.hmc.post(`${part}/operations/attach-storage-group`, { 'storage-group-uri': uri });
    const attached = await waitFor('paths in status', async () => {
      const x = await sg();
      return (x?.status?.paths?.length ?? 0) === 2 ? x : undefined;
    });
    expect(attached.status?.attachedPartitions).toEqual([{ name: 'sg-test-partition', uri: part }]);
    for (const p of attached.status!.paths!) {
      expect(p.partition).toBe('sg-test-partition');
      expect(p.wwpn).toMatch(/^[0-9a-f]{16}$/i);
      expect(p.deviceNumber).toMatch(/^[0-9a-f]{4}$/i);
    }

    await env.sim.admin.resetStats();
    await del('web-01-storage');
    await waitFor('StorageGroup gone', async () => ((await sg()) ? undefined : true), 60_000);
    // Detach, delete, nothing read back: the group this operator deleted is known to be gone.
    expect((await env.sim.admin.stats()).routes).toEqual({
      'POST /api/partitions/{id}/operations/detach-storage-group': { count: 1, errors: 0 },
      'POST /api/storage-groups/{id}/operations/delete': { count: 1, errors: 0 },
    });
    const list = await env.hmc.get<{ 'storage-groups': { 'object-uri': string }[] }>('/api/storage-groups');
    expect(list['storage-groups'].map((x) => x['object-uri'])).not.toContain(uri);
    expect(list['storage-groups'].map((x) => x['object-uri'])).toContain(FOREIGN);
    const stillThere = await env.hmc.get<{ 'storage-group-uris'?: string[] }>(part);
    expect(stillThere['storage-group-uris'] ?? []).toEqual([]);
    expect((await env.events()).some((e) => e.reason === 'Detached')).toBe(true);
    await env.hmc.delete(part);
  });

  it('Orphan leaves the HMC group; a port outside the subset is refused before the HMC', async () => {
    const base = {
      apiVersion: 'dpm.operator.dev/v1alpha1',
      kind: 'StorageGroup',
      spec: {
        cpcSubsetRef: { name: 'demo' },
        volumes: [{ name: 'd', sizeGiB: 5 }],
        deletionPolicy: 'Orphan',
      },
    };
    const create = (name: string, extra: object = {}) =>
      env.custom.createNamespacedCustomObject({
        group: 'dpm.operator.dev',
        version: 'v1alpha1',
        namespace: env.ns,
        plural: 'storagegroups',
        body: { ...base, metadata: { name }, spec: { ...base.spec, ...extra } },
      });
    await create('orphan-me');
    const o = await waitFor('orphan-me created', async () => (await sg('orphan-me'))?.status?.groupUri);
    await del('orphan-me');
    await waitFor('orphan-me gone', async () => ((await sg('orphan-me')) ? undefined : true));
    expect((await hmcGroup(o)).name).toMatch(/^OpenStack-demo-/);
    await env.hmc.post(`${o}/operations/delete`, {}); // clean up by hand, as the admin would

    await env.sim.admin.resetStats();
    await create('bad-port', {
      candidateAdapterPorts: [{ adapterObjectId: 'a1b2c3d4-0000-4000-8000-0000000000f3', port: 0 }],
    });
    const bad = await waitFor('bad-port refused', async () => {
      const x = await sg('bad-port');
      return ready(x)?.reason === 'InvalidSpec' ? x : undefined;
    });
    expect(ready(bad)?.message).toMatch(/spec\.candidateAdapterPorts\[0\].*not in CpcSubset demo/);
    expect((await env.sim.admin.stats()).routes['POST /api/storage-groups']?.count ?? 0).toBe(0);
  });

  it('a volume with spec fcpFulfillment becomes complete with exactly one Fulfill FCP Storage Volume request', async () => {
    const route =
      'POST /api/storage-groups/{id}/storage-volumes/{volume-id}/operations/fulfill-fcp-storage-volume';
    await env.sim.admin.resetStats();
    await env.custom.createNamespacedCustomObject({
      group: 'dpm.operator.dev',
      version: 'v1alpha1',
      namespace: env.ns,
      plural: 'storagegroups',
      body: {
        apiVersion: 'dpm.operator.dev/v1alpha1',
        kind: 'StorageGroup',
        metadata: { name: 'fcp-auto' },
        spec: {
          cpcSubsetRef: { name: 'demo' },
          volumes: [
            {
              name: 'boot',
              sizeGiB: 8,
              usage: 'boot',
              fcpFulfillment: {
                targetWwpn: '500507680B21AC38',
                lun: '4001',
                adapterPort: { adapterObjectId: 'a1b2c3d4-0000-4000-8000-0000000000f2', port: 0 },
              },
            },
          ],
          candidateAdapterPorts: [
            { adapterObjectId: 'a1b2c3d4-0000-4000-8000-0000000000f1', port: 0 },
            { adapterObjectId: 'a1b2c3d4-0000-4000-8000-0000000000f2', port: 0 },
          ],
        },
      },
    });
    const complete = await waitFor('fcp-auto complete', async () => {
      const g = await sg('fcp-auto');
      return g?.status?.fulfillmentState === 'complete' && ready(g)?.status === 'True' ? g : undefined;
    });
    expect((await env.sim.admin.stats()).routes[route]?.count).toBe(1);
    const vol = await env.hmc.get<Record<string, unknown>>(complete.status!.volumes![0]!.uri!);
    expect(vol['fulfillment-state']).toBe('complete');
    // The port the request named (the simulator keeps it in a property of its own, not an HMC one).
    expect(vol['boot-adapter-port-uri']).toBe(PORT_F2);
    expect(complete.status?.volumes?.[0]?.uuid).toMatch(/^[0-9a-f]{32}$/);
    expect(
      (await env.events()).filter((e) => e.name === 'fcp-auto' && e.reason === 'Fulfilled'),
    ).toHaveLength(1);

    // More passes never fulfill a complete volume again.
    await patch('storagegroups', 'fcp-auto', {
      metadata: { annotations: { 'dpm.operator.dev/reconcile-requested-at': 'now-2' } },
    });
    await new Promise((r) => setTimeout(r, 3000));
    expect((await env.sim.admin.stats()).routes[route]?.count).toBe(1);

    await del('fcp-auto');
    await waitFor('fcp-auto gone', async () => ((await sg('fcp-auto')) ? undefined : true), 60_000);
  });
});
