// The Nova bridge's resilience inside a REAL OpenStack control plane (tools/openstack/run.sh, quorum
// queues as deployments use them) on a REAL RabbitMQ, with the real operator, kube-apiserver and HMC
// simulator. The bridge runs as its own process (`dpm-operator nova-bridge`, holding the host Lease):
// - killed (SIGKILL) mid-build at the worst points, block_device_mapping (its Partition created, the
//   devices not yet on the HMC) and spawning (the partition's start job running), a new bridge
//   resumes the build: ACTIVE, one HMC partition, one port, one attachment, nothing left after delete;
// - RabbitMQ killed and restarted in the middle: a server created right after it becomes ACTIVE.
import * as k8s from '@kubernetes/client-node';
import type { CpcSubset, Partition } from '../../src/crds/index.js';
import { hostLeaseName } from '../../src/nova-bridge/host-lease.js';
import { lunToHex } from '../../src/nova-bridge/translate.js';
import {
  applyObjects,
  getCr,
  sampleObjects,
  startOperatorEnv,
  waitFor,
  type OperatorEnv,
} from '../harness/operator.js';
import { startBridgeProcess, type BridgeProcess } from '../nova-bridge/bridge-process.js';
import { startRabbit, type RunningRabbit } from '../nova-bridge/rabbitmq.js';
import { startOpenStack, type RunningOpenStack } from './control-plane.js';
import { bootableVolume, lunOf, RestClient } from './rest.js';

const HOST = 'demo';
const VSWITCH = 'a1b2c3d4-0000-4000-8000-0000000000b1'; // the seed's vswitch, physnet1 in neutron
const START_JOB_MS = 6000; // the simulator's partition jobs: spawning lasts this long

interface Server {
  id: string;
  status: string;
  'OS-EXT-STS:task_state': string | null;
  'OS-EXT-SRV-ATTR:host'?: string;
  fault?: { message: string };
}

describe('Nova bridge resilience in a real OpenStack control plane', () => {
  let rabbit: RunningRabbit;
  let os: RunningOpenStack;
  let env: OperatorEnv;
  let bridge: BridgeProcess;
  let generation = 0;
  let nova: RestClient;
  let neutron: RestClient;
  let cinder: RestClient;
  let placement: RestClient;
  let netId: string;

  const server = async (id: string): Promise<Server | undefined> =>
    (await nova.getOrAbsent<{ server: Server }>(`/servers/${id}`))?.server;
  const waitStatus = (id: string, status: string, ms = 240_000): Promise<Server> =>
    waitFor(
      `server ${id} ${status}`,
      async () => {
        const s = await server(id);
        if (s?.status === 'ERROR' && status !== 'ERROR')
          throw new Error(`server ERROR: ${s.fault?.message ?? ''}`);
        return s?.status === status && s['OS-EXT-STS:task_state'] === null ? s : undefined;
      },
      ms,
      500,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\nthe bridge's log:\n${bridge.output().slice(-6000)}`);
    });
  const startBridge = async (): Promise<BridgeProcess> => {
    const p = await startBridgeProcess({
      kc: env.kc,
      namespace: env.ns,
      host: HOST,
      transportUrl: rabbit.transportUrl,
      name: `bridge-${generation++}`,
      args: [
        `--placement-url=${os.placementUrl}`,
        `--neutron-url=${os.neutronUrl}`,
        `--cinder-url=${os.cinderUrl}`,
        '--report-interval=10',
        '--lease-duration=3',
        ...os.queueArgs,
      ],
      env: { OS_TOKEN: os.token, OS_SERVICE_TOKEN: 'nova:service' },
    });
    await p.logged('serving compute RPC', 180_000);
    return p;
  };
  const bootVolume = (name: string): Promise<string> => bootableVolume(cinder, os, name);
  const createServer = async (name: string, volumeId: string): Promise<string> =>
    (
      await nova.post<{ server: { id: string } }>('/servers', {
        server: {
          name,
          flavorRef: 'dpm-small',
          networks: [{ uuid: netId }],
          block_device_mapping_v2: [
            { boot_index: 0, uuid: volumeId, source_type: 'volume', destination_type: 'volume' },
          ],
        },
      })
    ).server.id;
  const ports = async (id: string) =>
    (await neutron.get<{ ports: Record<string, unknown>[] }>(`/v2.0/ports?device_id=${id}`)).ports;
  const volume = async (volumeId: string) =>
    (
      await cinder.get<{ volume: { status: string; attachments: { server_id: string }[] } }>(
        `/volumes/${volumeId}`,
      )
    ).volume;
  /** The HMC partitions of Nova instances (OpenStack-<host>-<Partition uid>, nova-dpm's names). */
  const novaHmcPartitions = async () =>
    (await env.hmcPartitions()).filter((p) => p.name.startsWith(`OpenStack-${HOST}-`));

  /** An ACTIVE server built once: one HMC partition, one bound port, one attachment, its allocation. */
  const expectBuiltOnce = async (id: string, volumeId: string): Promise<void> => {
    const p = (await getCr<Partition>(env, 'partitions', id))!;
    expect(p.status?.phase).toBe('Running');
    expect(p.spec.boot.fcpVolume?.lun).toBe(lunToHex(lunOf(volumeId)));
    expect((await novaHmcPartitions()).map((x) => x['object-uri'])).toEqual([p.status?.partitionUri]);
    expect((await env.sim.admin.stats()).routes['POST /api/cpcs/{id}/partitions']?.count).toBe(1);
    const ps = await ports(id);
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({ 'binding:host_id': HOST, 'binding:vif_type': 'dpm_vswitch' });
    const v = await volume(volumeId);
    expect(v.status).toBe('in-use');
    expect(v.attachments.map((a) => a.server_id)).toEqual([id]);
    const addresses = (
      await nova.get<{ addresses: Record<string, { addr: string }[]> }>(`/servers/${id}/ips`)
    ).addresses;
    expect(addresses['dpm-net']).toHaveLength(1);
  };
  /** server delete -> no server, CR, HMC partition, port, attachment or allocation. */
  const deleteAndExpectNothingLeft = async (id: string, volumeId: string): Promise<void> => {
    await nova.delete(`/servers/${id}`);
    await waitFor('server gone', async () => (await server(id)) === undefined, 180_000, 500);
    expect(await getCr<Partition>(env, 'partitions', id)).toBeUndefined();
    expect(await novaHmcPartitions()).toEqual([]);
    expect(await ports(id)).toEqual([]);
    expect(await volume(volumeId)).toMatchObject({ status: 'available', attachments: [] });
    expect((await placement.get<{ allocations: object }>(`/allocations/${id}`)).allocations).toEqual({});
  };

  beforeAll(async () => {
    rabbit = await startRabbit();
    const [o, e] = await Promise.all([
      startOpenStack({ transportUrl: rabbit.transportUrl, vswitchMappings: `physnet1:${VSWITCH}` }),
      startOperatorEnv({ resyncMs: 2000, sim: { jobDurationMs: START_JOB_MS } }),
    ]);
    os = o;
    env = e;
    process.stdout.write(`RabbitMQ ${rabbit.startMs} ms, OpenStack ${os.startMs} ms\n`);
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
    netId = (
      await neutron.post<{ network: { id: string } }>('/v2.0/networks', {
        network: {
          name: 'dpm-net',
          'provider:network_type': 'flat',
          'provider:physical_network': 'physnet1',
          shared: true,
        },
      })
    ).network.id;
    await neutron.post('/v2.0/subnets', {
      subnet: { network_id: netId, cidr: '10.20.0.0/24', ip_version: 4 },
    });
    await nova.post('/flavors', {
      flavor: { name: 'dpm.small', vcpus: 2, ram: 2048, disk: 0, id: 'dpm-small' },
    });
    bridge = await startBridge();
    // Mapped to the cell by the scheduler (discover_hosts_in_cells_interval): schedulable.
    await waitFor(
      'hypervisor listed',
      async () =>
        (await nova.get<{ hypervisors: unknown[] }>('/os-hypervisors/detail')).hypervisors.length > 0,
      120_000,
      500,
    );
  }, 1_200_000);

  afterAll(async () => {
    await bridge?.stop();
    await env?.stop();
    await os?.stop();
    await rabbit?.stop();
  });

  it('a bridge killed while its build waits for the devices (block_device_mapping) is resumed by the next bridge', async () => {
    const volumeId = await bootVolume('boot-bdm');
    await env.stopOperator(); // the Partition's devices never reach the HMC: the build waits there
    await env.sim.admin.resetStats();
    const id = await createServer('lpar-bdm', volumeId);
    await waitFor(
      'the build at block_device_mapping with its Partition created',
      async () =>
        (await server(id))?.['OS-EXT-STS:task_state'] === 'block_device_mapping' &&
        (await getCr<Partition>(env, 'partitions', id)) !== undefined,
      240_000,
      250,
    );
    await bridge.kill();
    expect(await server(id)).toMatchObject({
      status: 'BUILD',
      'OS-EXT-STS:task_state': 'block_device_mapping',
    });

    bridge = await startBridge(); // takes the host Lease once the killed holder's expired
    expect(bridge.output()).toMatch(
      /"stage":"block_device_mapping".*"msg":"resuming a build interrupted by a restart"/,
    );
    await env.startOperator();
    const active = await waitStatus(id, 'ACTIVE');
    expect(active.fault).toBeUndefined();
    await expectBuiltOnce(id, volumeId);
    await deleteAndExpectNothingLeft(id, volumeId);
  }, 900_000);

  it('a bridge killed while the partition starts (spawning) is resumed by the next bridge', async () => {
    const volumeId = await bootVolume('boot-spawn');
    await env.sim.admin.resetStats();
    const id = await createServer('lpar-spawn', volumeId);
    await waitFor(
      'the build at spawning',
      async () => (await server(id))?.['OS-EXT-STS:task_state'] === 'spawning',
      240_000,
      200,
    );
    await bridge.kill();
    // Killed while the start job runs: nothing reported Nova the instance active.
    expect((await getCr<Partition>(env, 'partitions', id))?.status?.phase).not.toBe('Running');
    expect(await server(id)).toMatchObject({ status: 'BUILD', 'OS-EXT-STS:task_state': 'spawning' });

    bridge = await startBridge();
    expect(bridge.output()).toMatch(/"stage":"spawning".*"msg":"resuming a build interrupted by a restart"/);
    await waitStatus(id, 'ACTIVE');
    await expectBuiltOnce(id, volumeId);
    await deleteAndExpectNothingLeft(id, volumeId);
  }, 900_000);

  it('RabbitMQ killed and restarted mid-test: a server created right after it becomes ACTIVE and is deleted', async () => {
    const volumeId = await bootVolume('boot-broker');
    const lease = await env.kc
      .makeApiClient(k8s.CoordinationV1Api)
      .readNamespacedLease({ name: hostLeaseName(HOST), namespace: env.ns });
    const restartedAt = Date.now();
    await rabbit.restart();
    // At once, without waiting for any service to reconnect: the quorum queues kept their bindings,
    // so nova-api's cast waits in the conductor's queue and the conductor's in the host's.
    await env.sim.admin.resetStats();
    const id = await createServer('lpar-broker', volumeId);
    await waitStatus(id, 'ACTIVE');
    await expectBuiltOnce(id, volumeId);
    // What an operator sees afterwards: the compute service reporting through the new broker, served
    // by the same bridge process (it reconnected; it did not lose its Lease).
    await waitFor(
      'nova-compute heartbeat after the restart',
      async () => {
        const r = await nova.get<{ services: { host: string; state: string; updated_at: string }[] }>(
          '/os-services?binary=nova-compute',
        );
        const svc = r.services.find((x) => x.host === HOST);
        return svc?.state === 'up' && Date.parse(`${svc.updated_at}Z`) > restartedAt;
      },
      120_000,
      1000,
    );
    expect(bridge.output()).toContain('AMQP connection re-established, serving again');
    const after = await env.kc
      .makeApiClient(k8s.CoordinationV1Api)
      .readNamespacedLease({ name: hostLeaseName(HOST), namespace: env.ns });
    expect(after.spec?.holderIdentity).toBe(lease.spec?.holderIdentity);
    await deleteAndExpectNothingLeft(id, volumeId);
  }, 900_000);
});
