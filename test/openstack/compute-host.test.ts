// The Nova bridge inside a REAL OpenStack control plane (tools/openstack/run.sh: nova-api, conductor,
// scheduler 32.1, placement, cinder with the project's FC test driver, neutron with the project's DPM
// ML2 driver; no keystone) on a REAL RabbitMQ, with the real operator, kube-apiserver and HMC
// simulator: the scheduler picks the bridge's host, and a server created through nova-api's REST API
// (boot from volume, one NIC) becomes an Active partition; stop, start, reboot --hard and delete.
import pino from 'pino';
import type { CpcSubset, Partition } from '../../src/crds/index.js';
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
import { lunOf, RestClient } from './rest.js';

const HOST = 'demo';
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
    // Network (flat on physnet1 -> the DPM vswitch), volume, flavor.
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
    const vol = (
      await cinder.post<{ volume: { id: string } }>('/volumes', { volume: { size: 1, name: 'boot' } })
    ).volume;
    await waitFor('volume available', async () => {
      const v = (await cinder.get<{ volume: { status: string } }>(`/volumes/${vol.id}`)).volume;
      if (v.status === 'error') throw new Error(`volume error\n${os.log('cinder-volume')}`);
      return v.status === 'available';
    });
    // A volume with an operating system on it (the test driver writes nothing): bootable.
    await cinder.post(`/volumes/${vol.id}/action`, { 'os-set_bootable': { bootable: true } });
    await nova.post('/flavors', {
      flavor: { name: 'dpm.small', vcpus: 2, ram: 2048, disk: 0, id: 'dpm-small' },
    });

    const created = (
      await nova.post<{ server: { id: string } }>('/servers', {
        server: {
          name: 'lpar1',
          flavorRef: 'dpm-small',
          networks: [{ uuid: net.id }],
          block_device_mapping_v2: [
            {
              boot_index: 0,
              uuid: vol.id,
              source_type: 'volume',
              destination_type: 'volume',
              delete_on_termination: false,
            },
          ],
        },
      })
    ).server;
    const id = created.id;
    const active = await waitStatus(id, 'ACTIVE');
    expect(active['OS-EXT-SRV-ATTR:host']).toBe(HOST);

    // The partition: Running, booting the volume's LUN through a target of the array.
    const p = (await getCr<Partition>(env, 'partitions', id))!;
    expect(p.status?.phase).toBe('Running');
    expect(p.spec.processors.ifls).toBe(2);
    expect(p.spec.memory.initialMiB).toBe(2048);
    expect(p.spec.boot.fcpVolume?.lun).toBe(lunToHex(lunOf(vol.id)));
    expect(TARGETS).toContain(p.spec.boot.fcpVolume?.targetWwpn);
    const hmcPart = await env.hmc.get<Record<string, unknown>>(p.status!.partitionUri!);
    expect(hmcPart['boot-logical-unit-number']).toBe(lunToHex(lunOf(vol.id)));
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
        `/volumes/${vol.id}`,
      )
    ).volume;
    expect(v.status).toBe('in-use');
    expect(v.attachments.map((a) => a.server_id)).toEqual([id]);
    const alloc = await placement.get<{ allocations: Record<string, { resources: Record<string, number> }> }>(
      `/allocations/${id}`,
    );
    expect(alloc.allocations[node]?.resources).toEqual({ VCPU: 2, MEMORY_MB: 2048 });

    // stop / start / reboot --hard
    await nova.post(`/servers/${id}/action`, { 'os-stop': null });
    await waitStatus(id, 'SHUTOFF');
    expect((await getCr<Partition>(env, 'partitions', id))?.status?.phase).toBe('Stopped');
    await nova.post(`/servers/${id}/action`, { 'os-start': null });
    await waitStatus(id, 'ACTIVE');
    await nova.post(`/servers/${id}/action`, { reboot: { type: 'HARD' } });
    await waitStatus(id, 'ACTIVE');
    expect((await getCr<Partition>(env, 'partitions', id))?.status?.phase).toBe('Running');

    // delete -> nothing left: no server, no CR, no HMC partition, no port, no attachment, no allocation.
    await nova.delete(`/servers/${id}`);
    await waitFor('server gone', async () => (await server(id)) === undefined, 120_000);
    expect(await getCr<Partition>(env, 'partitions', id)).toBeUndefined();
    expect((await env.hmcPartitions()).filter((x) => x['object-uri'] === p.status!.partitionUri)).toEqual([]);
    expect((await neutron.get<{ ports: unknown[] }>(`/v2.0/ports?device_id=${id}`)).ports).toEqual([]);
    const after = (
      await cinder.get<{ volume: { status: string; attachments: unknown[] } }>(`/volumes/${vol.id}`)
    ).volume;
    expect(after).toMatchObject({ status: 'available', attachments: [] });
    expect((await placement.get<{ allocations: object }>(`/allocations/${id}`)).allocations).toEqual({});
  }, 900_000);
});
