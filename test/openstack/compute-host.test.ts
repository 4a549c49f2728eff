// The Nova bridge inside a REAL OpenStack control plane (tools/openstack/run.sh: nova-api, conductor,
// scheduler 32.1, placement, cinder with the project's FC test driver, neutron with the project's DPM
// ML2 driver; no keystone) on a REAL RabbitMQ, with the real operator, kube-apiserver and HMC
// simulator: the scheduler picks the bridge's host, and a server created with python-openstackclient
// (`openstack server create --volume --nic --flavor --wait`: boot from volume, one NIC) becomes an
// Active partition; `openstack server stop/start/reboot --hard/delete` follow.
// Two hosts: `demo` on the z13 seed (HBAs) and `z16` on the z16 seed (storage groups, fulfillment).
// The REST helpers (rest.ts) remain where the CLI needs keystone or cannot wait: fixtures (`flavor
// create` and `server list` ask for an identity v3 service, which a keystone-less control plane has
// not), the checks of nova, placement, neutron and cinder state, and the waits after `server stop` and
// `server start` (no --wait) and for a server's task state to clear.
import pino from 'pino';
import type { CpcSubset, Partition, StorageGroup } from '../../src/crds/index.js';
import { NovaBridge } from '../../src/nova-bridge/bridge.js';
import { computeNodeUuid } from '../../src/nova-bridge/service.js';
import { lunToHex } from '../../src/nova-bridge/translate.js';
import {
  applyObjects,
  getCr,
  sampleObjects,
  startOperatorEnv,
  waitFor,
  type OperatorEnv,
} from '../harness/operator.js';
import { startRabbit, type RunningRabbit } from '../nova-bridge/rabbitmq.js';
import { startOpenStack, type RunningOpenStack } from './control-plane.js';
import { bootableVolume, lunOf, RestClient } from './rest.js';

const HOST = 'demo';
const HOST_Z16 = 'z16';
const FULFILL_ROUTE =
  'POST /api/storage-groups/{id}/storage-volumes/{volume-id}/operations/fulfill-fcp-storage-volume';
// A virtual switch of the simulator's seed CPC (default-z16.yaml), mapped to physnet1 in neutron.
const VSWITCH = 'a1b2c3d4-0000-4000-8000-0000000000b1';
const TARGETS = ['500507680b21ac38', '500507680b22ac38']; // tools/openstack/python/dpm_openstack/cinder_fc.py

interface Server {
  id: string;
  status: string;
  'OS-EXT-STS:task_state': string | null;
  'OS-EXT-SRV-ATTR:host'?: string;
  fault?: { message: string };
}

describe('Nova bridge as a compute host of a real OpenStack control plane', () => {
  let rabbit: RunningRabbit;
  let os: RunningOpenStack;
  let env: OperatorEnv;
  let bridge: NovaBridge;
  let nova: RestClient;
  let placement: RestClient;
  let neutron: RestClient;
  let cinder: RestClient;
  const node = computeNodeUuid(HOST);

  const server = async (id: string): Promise<Server | undefined> =>
    (await nova.getOrAbsent<{ server: Server }>(`/servers/${id}`))?.server;
  const waitStatus = (id: string, status: string, ms = 180_000): Promise<Server> =>
    waitFor(
      `server ${id} ${status}`,
      async () => {
        const s = await server(id);
        if (s?.status === 'ERROR' && status !== 'ERROR')
          throw new Error(`server ERROR: ${s.fault?.message ?? ''}\n${os.log('nova-conductor')}`);
        return s?.status === status && s['OS-EXT-STS:task_state'] === null ? s : undefined;
      },
      ms,
    );

  beforeAll(async () => {
    rabbit = await startRabbit();
    const [o, e] = await Promise.all([
      startOpenStack({ transportUrl: rabbit.transportUrl, vswitchMappings: `physnet1:${VSWITCH}` }),
      startOperatorEnv({ resyncMs: 2000 }),
    ]);
    os = o;
    env = e;
    process.stdout.write(
      `RabbitMQ ready in ${rabbit.startMs} ms; OpenStack control plane ready in ${os.startMs} ms\n`,
    );
    nova = new RestClient(os.novaUrl, os.token, { 'OpenStack-API-Version': 'compute 2.79' });
    placement = new RestClient(os.placementUrl, 'admin', { 'OpenStack-API-Version': 'placement 1.39' });
    neutron = new RestClient(os.neutronUrl, os.token);
    cinder = new RestClient(os.cinderUrl, os.token, { 'OpenStack-API-Version': 'volume 3.44' });
    await applyObjects(
      env.kc,
      env.ns,
      await sampleObjects(env.sim, ['00-hmc-credentials.yaml', '01-cpcsubset.yaml']),
    );
    await waitFor('CpcSubset Ready', async () => {
      const s = await getCr<CpcSubset>(env, 'cpcsubsets', HOST);
      return s?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    });
    bridge = await NovaBridge.start({
      kubeConfig: env.kc,
      namespace: env.ns,
      host: HOST,
      transportUrl: rabbit.transportUrl,
      flags: os.queueFlags, // as the control plane's [oslo_messaging_rabbit]
      reportIntervalMs: 10_000, // nova's report_interval: fewer writes to the shared SQLite files
      buildTimeoutMs: 120_000,
      powerTimeoutMs: 120_000,
      placement: { url: os.placementUrl, token: 'admin' },
      neutron: { url: os.neutronUrl, token: os.token },
      cinder: { url: os.cinderUrl, token: os.token, serviceToken: 'nova:service' },
      log: pino({ level: process.env.DPM_TEST_LOG_LEVEL ?? 'silent' }),
    });
  }, 1_200_000);

  /** The flat network on physnet1 (one per physnet) and the flavor, made once for both hosts' servers. */
  let fixtures: Promise<{ netId: string }> | undefined;
  const sharedFixtures = (): Promise<{ netId: string }> =>
    (fixtures ??= (async () => {
      const net = (
        await neutron.post<{ network: { id: string } }>('/v2.0/networks', {
          network: {
            name: 'dpm-net',
            'provider:network_type': 'flat',
            'provider:physical_network': 'physnet1',
            shared: true,
          },
        })
      ).network;
      await neutron.post('/v2.0/subnets', {
        subnet: { network_id: net.id, cidr: '10.20.0.0/24', ip_version: 4 },
      });
      await nova.post('/flavors', {
        flavor: { name: 'dpm.small', vcpus: 2, ram: 2048, disk: 0, id: 'dpm-small' },
      });
      return { netId: net.id };
    })());
  /** `openstack server create --wait` (boot from volume, one NIC; on `host` for an admin, 2.74+). */
  const createServer = async (volumeId: string, netId: string, host?: string): Promise<string> => {
    const args = [
      'server',
      'create',
      '--flavor',
      'dpm-small',
      '--volume',
      volumeId,
      '--nic',
      `net-id=${netId}`,
    ];
    if (host) args.push('--host', host);
    let out: string;
    try {
      out = await os.openstack(...args, '--wait', '-f', 'json', 'lpar1');
    } catch (e) {
      throw new Error(`${String(e)}\n${os.log('nova-conductor')}`);
    }
    // --wait prints `\rProgress: n` on stdout before the server's JSON when nova reports progress.
    const created = JSON.parse(out.slice(out.indexOf('{'))) as { id: string; status: string };
    expect(created.status).toBe('ACTIVE');
    return created.id;
  };
  /** stop, start, reboot --hard: the partition follows. */
  const powerCycle = async (e: OperatorEnv, id: string): Promise<void> => {
    await os.openstack('server', 'stop', id); // no --wait in the CLI: the REST poll waits
    await waitStatus(id, 'SHUTOFF');
    expect((await getCr<Partition>(e, 'partitions', id))?.status?.phase).toBe('Stopped');
    await os.openstack('server', 'start', id);
    await waitStatus(id, 'ACTIVE');
    await os.openstack('server', 'reboot', '--hard', '--wait', id);
    await waitStatus(id, 'ACTIVE'); // and no task state left
    expect((await getCr<Partition>(e, 'partitions', id))?.status?.phase).toBe('Running');
  };
  /** delete -> no server, no partition (CR or HMC), no port, no attachment, no allocation. */
  const deleteAndCheck = async (e: OperatorEnv, id: string, volumeId: string, partitionUri: string) => {
    await os.openstack('server', 'delete', '--wait', id);
    expect(await server(id)).toBeUndefined();
    expect(await getCr<Partition>(e, 'partitions', id)).toBeUndefined();
    expect((await e.hmcPartitions()).filter((x) => x['object-uri'] === partitionUri)).toEqual([]);
    expect((await neutron.get<{ ports: unknown[] }>(`/v2.0/ports?device_id=${id}`)).ports).toEqual([]);
    const after = (
      await cinder.get<{ volume: { status: string; attachments: unknown[] } }>(`/volumes/${volumeId}`)
    ).volume;
    expect(after).toMatchObject({ status: 'available', attachments: [] });
    expect((await placement.get<{ allocations: object }>(`/allocations/${id}`)).allocations).toEqual({});
  };

  afterAll(async () => {
    await bridge?.stop();
    await env?.stop();
    await os?.stop();
    await rabbit?.stop();
  });

  it('registers as nova-compute: an up service, a hypervisor, a placement provider with inventory and traits', async () => {
    const svc = await waitFor('nova-compute service up', async () => {
      const r = await nova.get<{
        services: { binary: string; host: string; state: string; status: string }[];
      }>('/os-services?binary=nova-compute');
      return r.services.find((s) => s.host === HOST && s.state === 'up');
    });
    expect(svc.status).toBe('enabled');
    // The scheduler maps the new host to the cell (discover_hosts_in_cells_interval), then lists it.
    const hv = await waitFor('hypervisor listed', async () => {
      const r = await nova.get<{
        hypervisors: { id: string; hypervisor_hostname: string; hypervisor_type: string; state: string }[];
      }>('/os-hypervisors/detail');
      return r.hypervisors.length > 0 ? r.hypervisors : undefined;
    });
    expect(hv).toEqual([
      expect.objectContaining({ id: node, hypervisor_hostname: HOST, hypervisor_type: 'PRSM', state: 'up' }),
    ]);
    const inv = await placement.get<{ inventories: Record<string, { total: number; reserved: number }> }>(
      `/resource_providers/${node}/inventories`,
    );
    expect(inv.inventories.VCPU).toMatchObject({ total: 16, reserved: 0 });
    expect(inv.inventories.MEMORY_MB).toMatchObject({ total: 65536, reserved: 0 });
    const traits = await placement.get<{ traits: string[] }>(`/resource_providers/${node}/traits`);
    expect(traits.traits).toEqual(
      expect.arrayContaining(['HW_ARCH_S390X', 'COMPUTE_NODE', 'CUSTOM_DPM_PARTITION']),
    );
  });

  it('answers set_host_enabled (os-hosts) at once, disabling and enabling the service', async () => {
    const legacy = new RestClient(os.novaUrl, os.token, { 'OpenStack-API-Version': 'compute 2.1' });
    const t0 = Date.now();
    const off = await legacy.put<{ host: string; status: string }>(`/os-hosts/${HOST}`, {
      status: 'disable',
    });
    expect(off).toEqual({ host: HOST, status: 'disabled' });
    const svc = await nova.get<{ services: { host: string; status: string }[] }>(
      '/os-services?binary=nova-compute',
    );
    expect(svc.services.find((s) => s.host === HOST)?.status).toBe('disabled');
    const on = await legacy.put<{ host: string; status: string }>(`/os-hosts/${HOST}`, { status: 'enable' });
    expect(on).toEqual({ host: HOST, status: 'enabled' });
    expect(Date.now() - t0).toBeLessThan(30_000); // not nova-api's 60 s MessagingTimeout
  });

  it('server create (boot from volume, one NIC) -> Active partition; stop, start, reboot --hard, delete -> nothing left', async () => {
    const { netId } = await sharedFixtures();
    const volumeId = await bootableVolume(cinder, os, 'boot');
    const id = await createServer(volumeId, netId);
    const active = await waitStatus(id, 'ACTIVE');
    expect(active['OS-EXT-SRV-ATTR:host']).toBe(HOST);

    // The partition: Running, booting the volume's LUN through a target of the array.
    const p = (await getCr<Partition>(env, 'partitions', id))!;
    expect(p.status?.phase).toBe('Running');
    expect(p.spec.processors.ifls).toBe(2);
    expect(p.spec.memory.initialMiB).toBe(2048);
    expect(p.spec.boot.fcpVolume?.lun).toBe(lunToHex(lunOf(volumeId)));
    expect(TARGETS).toContain(p.spec.boot.fcpVolume?.targetWwpn);
    const hmcPart = await env.hmc.get<Record<string, unknown>>(p.status!.partitionUri!);
    expect(hmcPart['boot-logical-unit-number']).toBe(lunToHex(lunOf(volumeId)));
    // The NIC: the neutron port's MAC on the mapped vswitch, on the kernel command line.
    const ports = (await neutron.get<{ ports: Record<string, unknown>[] }>(`/v2.0/ports?device_id=${id}`))
      .ports;
    expect(ports).toHaveLength(1);
    const port = ports[0]!;
    expect(port).toMatchObject({
      'binding:host_id': HOST,
      'binding:vif_type': 'dpm_vswitch',
      'binding:vif_details': { object_id: VSWITCH },
      device_owner: 'compute:nova',
    });
    const mac = String(port.mac_address);
    expect(String(hmcPart['boot-os-specific-parameters'])).toContain(`,0,${mac.replace(/:/g, '')};`);
    // Nova's view: the port's address in the server, the volume attached, the allocation held.
    const addresses = (
      await nova.get<{ addresses: Record<string, { addr: string }[]> }>(`/servers/${id}/ips`)
    ).addresses;
    expect(addresses['dpm-net']?.[0]?.addr).toMatch(/^10\.20\.0\./);
    const v = (
      await cinder.get<{ volume: { status: string; attachments: { server_id: string }[] } }>(
        `/volumes/${volumeId}`,
      )
    ).volume;
    expect(v.status).toBe('in-use');
    expect(v.attachments.map((a) => a.server_id)).toEqual([id]);
    const alloc = await placement.get<{ allocations: Record<string, { resources: Record<string, number> }> }>(
      `/allocations/${id}`,
    );
    expect(alloc.allocations[node]?.resources).toEqual({ VCPU: 2, MEMORY_MB: 2048 });

    await powerCycle(env, id);
    await deleteAndCheck(env, id, volumeId, p.status!.partitionUri!);
  }, 900_000);

  it('on a z16 (storage groups): the instance StorageGroup, cinder with its virtual WWPNs, one fulfill, boot from the LUN; delete -> nothing left', async () => {
    // A second compute host: CpcSubset z16 on the z16 seed (dpm-storage-management on), its own bridge.
    const env16 = await startOperatorEnv({ sim: { seedName: 'current' }, resyncMs: 2000 });
    let bridge16: NovaBridge | undefined;
    try {
      const objs = await sampleObjects(env16.sim, ['00-hmc-credentials.yaml', '01-cpcsubset.yaml']);
      for (const o of objs) if (o.kind === 'CpcSubset') o.metadata = { ...o.metadata, name: HOST_Z16 };
      await applyObjects(env16.kc, env16.ns, objs);
      const subset = await waitFor('CpcSubset z16 Ready', async () => {
        const s = await getCr<CpcSubset>(env16, 'cpcsubsets', HOST_Z16);
        return s?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? s : undefined;
      });
      expect(subset.status?.storageModel).toBe('StorageGroups');
      bridge16 = await NovaBridge.start({
        kubeConfig: env16.kc,
        namespace: env16.ns,
        host: HOST_Z16,
        transportUrl: rabbit.transportUrl,
        flags: os.queueFlags,
        reportIntervalMs: 10_000,
        buildTimeoutMs: 120_000,
        powerTimeoutMs: 120_000,
        placement: { url: os.placementUrl, token: 'admin' },
        neutron: { url: os.neutronUrl, token: os.token },
        cinder: { url: os.cinderUrl, token: os.token, serviceToken: 'nova:service' },
        log: pino({ level: process.env.DPM_TEST_LOG_LEVEL ?? 'silent' }),
      });
      await waitFor('hypervisor z16 listed', async () => {
        const r = await nova.get<{ hypervisors: { hypervisor_hostname: string; state: string }[] }>(
          '/os-hypervisors/detail',
        );
        return r.hypervisors.some((h) => h.hypervisor_hostname === HOST_Z16 && h.state === 'up');
      });
      const { netId } = await sharedFixtures();
      const volumeId = await bootableVolume(cinder, os, 'boot-z16');
      const groupsBefore = await hmcGroups(env16);
      await env16.sim.admin.resetStats();

      const id = await createServer(volumeId, netId, HOST_Z16);
      const active = await waitStatus(id, 'ACTIVE');
      expect(active['OS-EXT-SRV-ATTR:host']).toBe(HOST_Z16);
      process.stdout.write(
        `HMC requests, Nova build on z16 (StorageGroup, partition, NIC, attach, fulfill, start): ${(await env16.sim.admin.stats()).total}\n`,
      );

      // The CRs: a Partition with no HBA that boots from the boot volume of the instance's StorageGroup.
      const sgName = `${id}-storage`;
      const p = (await getCr<Partition>(env16, 'partitions', id))!;
      expect(p.status?.phase).toBe('Running');
      expect(p.status?.hbas ?? []).toEqual([]);
      expect(p.spec.storageGroups).toEqual([{ storageGroupRef: { name: sgName } }]);
      expect(p.spec.boot).toEqual({
        type: 'StorageVolume',
        storageVolume: { storageGroupRef: { name: sgName }, volume: 'boot' },
      });
      const sg = (await getCr<StorageGroup>(env16, 'storagegroups', sgName))!;
      expect(sg.metadata.labels).toEqual(p.metadata.labels);
      expect(sg.spec.connectivity).toBe(2);
      const lun = lunToHex(lunOf(volumeId));
      const f = sg.spec.volumes?.[0]?.fcpFulfillment;
      expect(f?.lun).toBe(lun);
      expect(TARGETS).toContain(f?.targetWwpn);
      // Cinder exported the volume to the partition's virtual WWPNs (the connector), nothing else.
      const vsrWwpns = (p.status?.storageGroups?.[0]?.paths ?? []).map((x) => x.wwpn).sort();
      expect(vsrWwpns).toHaveLength(2);
      const att = (
        await cinder.get<{ attachments: { id: string; instance: string }[] }>(
          `/attachments?volume_id=${volumeId}`,
        )
      ).attachments;
      expect(att.map((a) => a.instance)).toEqual([id]);
      const conn = (
        await cinder.get<{
          attachment: { connection_info: { initiator_target_map: Record<string, string[]> } };
        }>(`/attachments/${att[0]!.id}`)
      ).attachment.connection_info;
      expect(Object.keys(conn.initiator_target_map).sort()).toEqual(vsrWwpns);

      // The simulator: the partition is active and boots from the group's volume, fulfilled with that LUN
      // by exactly one Fulfill FCP Storage Volume request.
      const hmcPart = await env16.hmc.get<Record<string, unknown>>(p.status!.partitionUri!);
      expect(hmcPart.status).toBe('active');
      expect(hmcPart['boot-device']).toBe('storage-volume');
      const volUri = sg.status!.volumes![0]!.uri!;
      expect(hmcPart['boot-storage-volume']).toBe(volUri);
      const hmcVol = await env16.hmc.get<{
        'fulfillment-state': string;
        paths: { 'logical-unit-number': string; 'target-world-wide-port-name': string }[];
      }>(volUri);
      expect(hmcVol['fulfillment-state']).toBe('complete');
      expect(hmcVol.paths.map((x) => x['logical-unit-number'])).toEqual([lun, lun]);
      expect(hmcVol.paths.map((x) => x['target-world-wide-port-name'])).toEqual([
        f?.targetWwpn,
        f?.targetWwpn,
      ]);
      const ports = (await neutron.get<{ ports: Record<string, unknown>[] }>(`/v2.0/ports?device_id=${id}`))
        .ports;
      expect(ports.map((x) => x['binding:host_id'])).toEqual([HOST_Z16]);
      expect(String(hmcPart['boot-os-specific-parameters'])).toContain(
        `,0,${String(ports[0]!.mac_address).replace(/:/g, '')};`,
      );

      await powerCycle(env16, id);
      expect((await env16.sim.admin.stats()).routes[FULFILL_ROUTE]?.count).toBe(1);

      // delete -> also no StorageGroup CR and no storage group on the HMC.
      await deleteAndCheck(env16, id, volumeId, p.status!.partitionUri!);
      expect(await getCr<StorageGroup>(env16, 'storagegroups', sgName)).toBeUndefined();
      expect(await hmcGroups(env16)).toEqual(groupsBefore);
    } finally {
      await bridge16?.stop();
      await env16.stop();
    }
  }, 900_000);
});

/** The storage groups on the simulator's HMC (object-uris, sorted). */
async function hmcGroups(e: OperatorEnv): Promise<string[]> {
  const r = await e.hmc.get<{ 'storage-groups': { 'object-uri': string }[] }>('/api/storage-groups');
  return r['storage-groups'].map((g) => g['object-uri']).sort();
}
