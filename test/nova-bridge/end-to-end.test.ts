// End to end: the REAL nova rpcapi (nova_peer.py) casts/calls compute RPC through a REAL RabbitMQ to
// the bridge, which writes CRs that the operator reconciles against the HMC simulator; the bridge
// reports back to the peer's conductor (oslo.messaging RPC server) whose calls are recorded.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { CpcSubset, Partition, PartitionHba, PartitionNic } from '../../src/crds/index.js';
import { NovaBridge } from '../../src/nova-bridge/bridge.js';
import { LABEL_INSTANCE } from '../../src/nova-bridge/translate.js';
import { HmcSession } from '../../src/hmc/session.js';
import {
  applyObjects,
  getCr,
  sampleObjects,
  startOperatorEnv,
  waitFor,
  type OperatorEnv,
} from '../harness/operator.js';
import { startRabbit, type RunningRabbit } from './rabbitmq.js';
import { NovaPeer, novaPython, type ConductorCall } from './peer.js';

const HOST = 'demo';
const CPC = '/api/cpcs/a1b2c3d4-0000-4000-8000-000000000001';
const UUID = '6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab';
const VIFS = [
  {
    id: 'a0000000-0000-4000-8000-000000000001',
    mac: 'fa:16:3e:00:00:01',
    object_id: 'a1b2c3d4-0000-4000-8000-0000000000b1',
  },
  {
    id: 'a0000000-0000-4000-8000-000000000002',
    mac: 'fa:16:3e:00:00:02',
    object_id: 'a1b2c3d4-0000-4000-8000-0000000000b2',
  },
];
const BDM = { target_lun: 1, target_wwn: ['500507680B2145F0', '500507680b2145f1'] };

interface InstanceRow {
  vm_state: string;
  task_state: string | null;
  power_state: number;
  host?: string;
  deleted?: boolean;
}

describe('nova bridge end to end (real RabbitMQ, real nova rpcapi, operator + HMC simulator)', () => {
  let rabbit: RunningRabbit;
  let env: OperatorEnv;
  let peer: NovaPeer;
  let bridge: NovaBridge;
  let hmc: HmcSession;

  const instance = async (): Promise<InstanceRow> =>
    (await peer.ok('instance', { uuid: UUID })) as InstanceRow;
  const saves = (): ConductorCall[] =>
    peer.calls().filter((c) => c.objname === 'Instance' && c.objmethod === 'save' && c.uuid === UUID);
  const hmcPartitions = async (): Promise<{ name: string; 'object-uri': string }[]> =>
    (await hmc.get<{ partitions: { name: string; 'object-uri': string }[] }>(`${CPC}/partitions`)).partitions;

  const startBridge = (reportIntervalMs = 1000): Promise<NovaBridge> =>
    NovaBridge.start({
      kubeConfig: env.kc,
      namespace: env.ns,
      host: HOST,
      transportUrl: rabbit.transportUrl,
      reportIntervalMs,
      buildTimeoutMs: 60_000,
      powerTimeoutMs: 60_000,
      log: pino({ level: process.env.DPM_TEST_LOG_LEVEL ?? 'silent' }),
    });

  beforeAll(async () => {
    const [r, py] = await Promise.all([startRabbit(), Promise.resolve(novaPython())]);
    rabbit = r;
    process.stdout.write(`RabbitMQ ready in ${rabbit.startMs} ms; nova venv ready in ${py.setupMs} ms\n`);
    env = await startOperatorEnv({ resyncMs: 2000 });
    hmc = new HmcSession({
      hosts: [`127.0.0.1:${env.sim.port}`],
      userid: env.sim.userid,
      password: env.sim.password,
      ca: env.sim.caPem,
    });
    await applyObjects(
      env.kc,
      env.ns,
      await sampleObjects(env.sim, ['00-hmc-credentials.yaml', '01-cpcsubset.yaml']),
    );
    await waitFor('CpcSubset Ready', async () => {
      const s = await getCr<CpcSubset>(env, 'cpcsubsets', HOST);
      return s?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    });
    const dir = await mkdtemp(join(tmpdir(), 'nova-peer-'));
    peer = await NovaPeer.start({
      python: py.python,
      transportUrl: rabbit.transportUrl,
      host: HOST,
      recordFile: join(dir, 'conductor.jsonl'),
    });
    bridge = await startBridge();
  }, 180_000);

  afterAll(async () => {
    await bridge?.stop();
    await peer?.stop();
    await hmc?.close();
    await env?.stop();
    await rabbit?.stop();
  });

  it('registers the nova-compute service, heartbeats, and reports the subset as a ComputeNode', async () => {
    const calls = peer.calls();
    expect(calls[0]).toMatchObject({
      objname: 'Service',
      objmethod: 'get_by_host_and_binary',
      args: [HOST, 'nova-compute'],
    });
    const create = calls.find((c) => c.objname === 'Service' && c.objmethod === 'create');
    expect(create?.changes).toMatchObject({
      host: HOST,
      binary: 'nova-compute',
      topic: 'compute',
      report_count: 0,
    });
    const node = calls.find((c) => c.objname === 'ComputeNode' && c.objmethod === 'create');
    expect(node?.changes).toMatchObject({
      host: HOST,
      hypervisor_hostname: HOST,
      vcpus: 16,
      memory_mb: 65536,
      vcpus_used: 0,
      memory_mb_used: 0,
      hypervisor_type: 'PRSM',
      hypervisor_version: 2013001, // SE 2.13.1: the z13 seed (test/harness/operator.ts)
    });
    const beat = await waitFor('a heartbeat', async () =>
      peer
        .calls()
        .find((c) => c.objname === 'Service' && c.objmethod === 'save' && c.changes?.report_count === 1),
    );
    expect(beat.error).toBeUndefined();
  });

  it('build_and_run_instance (delivered twice) -> one Partition with 2 NICs and 2 HBAs, Running, reported active', async () => {
    await env.sim.admin.resetStats();
    await peer.ok('build', { uuid: UUID, vcpus: 2, memory_mb: 4096, vifs: VIFS, bdm: BDM, times: 2 });
    const row = await waitFor(
      'instance active',
      async () => {
        const r = await instance();
        return r.vm_state === 'active' ? r : undefined;
      },
      90_000,
    ).catch(async (e: Error) => {
      // Say where it stuck: the Partition's status and what Nova was told.
      const p = await getCr<Partition>(env, 'partitions', UUID);
      throw new Error(
        `${e.message}; partition status ${JSON.stringify(p?.status)}; instance ${JSON.stringify(await instance())}`,
      );
    });
    expect(row).toMatchObject({ vm_state: 'active', task_state: null, power_state: 1, host: HOST });

    const p = (await getCr<Partition>(env, 'partitions', UUID))!;
    expect(p.metadata.labels?.[LABEL_INSTANCE]).toBe(UUID);
    expect(p.status?.phase).toBe('Running');
    expect(p.spec.processors.ifls).toBe(2);
    expect(p.spec.memory).toEqual({ initialMiB: 4096, maximumMiB: 4096 });
    expect(p.spec.boot.fcpVolume).toEqual({
      hbaRef: { name: `${UUID}-hba-0` },
      targetWwpn: '500507680b2145f0',
      lun: '0001000000000000',
    });
    expect(p.status?.nics).toHaveLength(2);
    expect(p.status?.hbas).toHaveLength(2);
    const nic1 = await getCr<PartitionNic>(env, 'partitionnics', `${UUID}-nic-1`);
    expect(nic1?.spec).toMatchObject({
      virtualSwitch: { objectId: VIFS[1]!.object_id },
      mac: VIFS[1]!.mac,
      port: 0,
    });
    const hba1 = await getCr<PartitionHba>(env, 'partitionhbas', `${UUID}-hba-1`);
    expect(hba1?.spec.adapterPort).toEqual({
      adapterObjectId: 'a1b2c3d4-0000-4000-8000-0000000000f2',
      port: 0,
    });

    const stats = await env.sim.admin.stats();
    expect(stats.routes['POST /api/cpcs/{id}/partitions']?.count).toBe(1);
    expect(stats.routes['POST /api/partitions/{id}/nics']?.count).toBe(2);
    expect(stats.routes['POST /api/partitions/{id}/hbas']?.count).toBe(2);

    // The state sequence nova-compute reports, each save accepted by the conductor.
    const seq = saves().map((c) => [
      c.changes?.vm_state,
      c.changes?.task_state,
      c.kwargs?.expected_task_state,
      c.error,
    ]);
    expect(seq[0]).toEqual(['building', null, ['scheduling', null], undefined]);
    expect(seq.at(-1)).toEqual(['active', null, 'spawning', undefined]);
    expect(saves().at(-1)?.changes?.power_state).toBe(1);
    expect(saves().filter((c) => c.changes?.vm_state === 'error')).toHaveLength(0);
    // The ComputeNode now counts the partition.
    await waitFor('resources updated', async () =>
      peer
        .calls()
        .find(
          (c) => c.objname === 'ComputeNode' && c.objmethod === 'save' && c.changes?.memory_mb_used === 4096,
        ),
    );
  });

  it('a redelivered build of an existing instance creates nothing', async () => {
    await env.sim.admin.resetStats();
    const before = saves().length;
    await peer.ok('build', { uuid: UUID, vcpus: 2, memory_mb: 4096, vifs: VIFS, bdm: BDM });
    // A later call on the same queue is answered only after the build was handled.
    await peer.ok('console', { uuid: UUID });
    const stats = await env.sim.admin.stats();
    expect(stats.routes['POST /api/cpcs/{id}/partitions']).toBeUndefined();
    expect(saves().length).toBe(before);
    expect((await hmcPartitions()).filter((x) => x.name.startsWith('OpenStack-demo-'))).toHaveLength(1);
  });

  it('get_console_output is a call answered with a string; an unknown method fails with NoSuchMethod', async () => {
    const out = await peer.ok('console', { uuid: UUID, tail_length: 10 });
    expect(typeof out).toBe('string');
    // The partition's OS messages from the HMC (simulated boot log), nova's last tail_length lines.
    expect(String(out).split('\n')).toHaveLength(11);
    expect(out).toMatch(/^openstack-demo-[0-9a-f-]{36} login: \n$/m);
    const bad = await peer.send('raw_call', { uuid: UUID, method: 'frobnicate_instance' });
    expect(bad.ok).toBe(false);
    expect([bad.error?.type, bad.error?.exc_type]).toContain('NoSuchMethod');
    const tooNew = await peer.send('raw_call', {
      uuid: UUID,
      method: 'get_console_output',
      version: '6.99',
      kwargs: { tail_length: 1 },
    });
    expect([tooNew.error?.type, tooNew.error?.exc_type]).toContain('UnsupportedVersion');
  });

  it('stop_instance and start_instance drive spec.powerState and report stopped/4 then active/1', async () => {
    await peer.ok('stop', { uuid: UUID });
    const stopped = await waitFor('instance stopped', async () => {
      const r = await instance();
      return r.vm_state === 'stopped' ? r : undefined;
    });
    expect(stopped).toMatchObject({ task_state: null, power_state: 4 });
    expect((await getCr<Partition>(env, 'partitions', UUID))?.status?.hmcStatus).toBe('stopped');
    expect(saves().at(-1)?.kwargs?.expected_task_state).toBe('powering-off');

    await peer.ok('start', { uuid: UUID });
    const started = await waitFor('instance active again', async () => {
      const r = await instance();
      return r.vm_state === 'active' && r.task_state === null ? r : undefined;
    });
    expect(started.power_state).toBe(1);
    expect(saves().at(-1)?.kwargs?.expected_task_state).toBe('powering-on');
    expect((await getCr<Partition>(env, 'partitions', UUID))?.status?.hmcStatus).toBe('active');
  });

  it('reboot_instance (hard) stops and starts the partition and reports active/1', async () => {
    await env.sim.admin.resetStats();
    await peer.ok('reboot', { uuid: UUID, reboot_type: 'HARD' });
    await waitFor(
      'reboot reported',
      async () => saves().at(-1)?.kwargs?.expected_task_state === 'reboot_started_hard',
    );
    expect(saves().at(-1)?.changes).toMatchObject({ vm_state: 'active', task_state: null, power_state: 1 });
    const stats = await env.sim.admin.stats();
    expect(stats.routes['POST /api/partitions/{id}/operations/stop']?.count).toBe(1);
    expect(stats.routes['POST /api/partitions/{id}/operations/start']?.count).toBe(1);
    expect(await instance()).toMatchObject({ vm_state: 'active', task_state: null, power_state: 1 });
  });

  it('terminate_instance deletes the CRs and the HMC partition, then reports deleted and destroys', async () => {
    const uri = (await getCr<Partition>(env, 'partitions', UUID))!.status!.partitionUri!;
    await peer.ok('terminate', { uuid: UUID });
    const row = await waitFor(
      'instance destroyed',
      async () => {
        const r = await instance();
        return r.deleted ? r : undefined;
      },
      60_000,
    );
    expect(row).toMatchObject({ vm_state: 'deleted', power_state: 0, task_state: null });
    expect(await getCr(env, 'partitions', UUID)).toBeUndefined();
    for (const n of [`${UUID}-nic-0`, `${UUID}-nic-1`])
      expect(await getCr(env, 'partitionnics', n)).toBeUndefined();
    for (const n of [`${UUID}-hba-0`, `${UUID}-hba-1`])
      expect(await getCr(env, 'partitionhbas', n)).toBeUndefined();
    expect((await hmcPartitions()).find((x) => x['object-uri'] === uri)).toBeUndefined();
    expect(peer.calls().some((c) => c.objname === 'Instance' && c.objmethod === 'destroy' && !c.error)).toBe(
      true,
    );
  });

  it('a bridge stopped mid-build: on restart the instance is set to ERROR with a fault (never left spawning)', async () => {
    const uuid2 = '7f1c2d3e-4b5a-4c6d-8e7f-0123456789ac';
    await env.stopOperator(); // nothing reconciles: the build waits for devices that never come
    await peer.ok('build', { uuid: uuid2, vcpus: 1, memory_mb: 1024, vifs: [], bdm: BDM });
    await waitFor('the build waiting for its devices', async () =>
      getCr<Partition>(env, 'partitions', uuid2),
    );
    const row = (await peer.ok('instance', { uuid: uuid2 })) as InstanceRow;
    expect(row).toMatchObject({ vm_state: 'building', task_state: 'block_device_mapping' });
    await bridge.stop();
    bridge = await startBridge();
    const failed = (await peer.ok('instance', { uuid: uuid2 })) as InstanceRow;
    expect(failed).toMatchObject({ vm_state: 'error', task_state: null });
    const fault = peer
      .calls()
      .find(
        (c) =>
          c.objname === 'InstanceFault' && c.objmethod === 'create' && c.changes?.instance_uuid === uuid2,
      );
    expect(String(fault?.changes?.message)).toContain('restarted during the build');
    // Deleting the failed instance removes what the interrupted build had created.
    await env.startOperator();
    await peer.ok('terminate', { uuid: uuid2 });
    await waitFor(
      'instance destroyed',
      async () => ((await peer.ok('instance', { uuid: uuid2 })) as InstanceRow).deleted,
      60_000,
    );
    expect(await getCr(env, 'partitions', uuid2)).toBeUndefined();
  });

  it('after a broker restart the service heartbeats again within seconds, not a report interval later', async () => {
    await bridge.stop();
    bridge = await startBridge(600_000); // no interval report during this test
    const saves = () => peer.calls().filter((c) => c.objname === 'Service' && c.objmethod === 'save').length;
    const before = saves();
    await rabbit.restart();
    // Reported at the bridge's reconnect (RpcTransport.onReconnect), not at the next interval.
    await waitFor('a heartbeat after the restart', async () => saves() > before, 90_000);
  }, 180_000);
});
