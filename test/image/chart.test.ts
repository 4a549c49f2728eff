// The chart's workloads from the image: the rendered Deployment (`run`) and the rendered nova-bridge
// StatefulSet run as containers with their args, env, ServiceAccount token (in-cluster config) and
// securityContext, against the run's kube-apiserver, an HMC simulator and a local RabbitMQ, all on
// loopback (host network; only the metrics port is moved to a free one).
// The operator takes the samples' Partition web-01 to Running/active; the bridge registers its
// nova-compute service with a real Nova conductor (test/nova-bridge/peer) and consumes its topic.
import * as k8s from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { type StartedTestContainer, Wait } from 'testcontainers';
import type { CpcSubset, Partition } from '../../src/crds/index.js';
import { freePort } from '../../src/devenv/control-plane.js';
import { HmcSession } from '../../src/hmc/session.js';
import { startSimulator, type RunningSimulator } from '../../src/hmc-simulator/index.js';
import { applyObjects as applyCrs, getCr, sampleObjects } from '../harness/operator.js';
import { freshNamespace, kubeConfig } from '../harness/kube.js';
import { deployChart, findOne, type KubeObject } from '../deploy/helpers.js';
import { httpStatus, until } from '../deploy/run-operator.js';
import { startRabbit, type RunningRabbit } from '../nova-bridge/rabbitmq.js';
import { NovaPeer, novaPython } from '../nova-bridge/peer.js';
import {
  type PodContainer,
  type PodTemplate,
  containerProcess,
  effectiveCapabilities,
  podContainer,
  processIds,
} from './containers.js';

const kc = kubeConfig();
const CPC = '/api/cpcs/a1b2c3d4-0000-4000-8000-000000000001';
const HOST = 'demo';

describe('the chart’s operator and nova-bridge from the image', () => {
  let sim: RunningSimulator;
  let rabbit: RunningRabbit;
  let hmc: HmcSession;
  let ns: string;
  let objects: KubeObject[];
  let operator: PodContainer | undefined;
  let operatorStarted: StartedTestContainer | undefined;
  let bridge: PodContainer | undefined;
  let bridgeStarted: StartedTestContainer | undefined;
  let peer: NovaPeer | undefined;
  let peerDir: string | undefined;
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const env = () => ({ custom, ns });
  const withOutput = async (c: PodContainer | undefined, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\n--- container output ---\n${c?.container.output().slice(-4000)}`,
      );
    }
  };

  beforeAll(async () => {
    [sim, rabbit] = await Promise.all([
      // The z13 seed: partitions with HBAs (the z16 seed manages storage through storage groups).
      startSimulator({ port: 0, stompPort: 0, jobDurationMs: 100, seedName: 'z13' }),
      startRabbit(),
    ]);
    hmc = new HmcSession({
      hosts: [`127.0.0.1:${sim.port}`],
      userid: sim.userid,
      password: sim.password,
      ca: sim.caPem,
    });
    ns = await freshNamespace(kc, 'image');
    // The Nova conductor (python, slow to import) starts while the chart is applied.
    peerDir = await mkdtemp(join(tmpdir(), 'dpm-image-peer-'));
    const peerStarted = NovaPeer.start({
      python: novaPython().python,
      transportUrl: rabbit.transportUrl,
      host: HOST,
      recordFile: join(peerDir, 'conductor.jsonl'),
    }).then((p) => (peer = p)); // assigned at once, so afterAll stops it whatever fails meanwhile
    objects = await deployChart(
      {
        replicaCount: 1,
        hmc: {
          host: '127.0.0.1',
          port: sim.port,
          notificationPort: sim.stompPort,
          userid: sim.userid,
          password: sim.password,
          caBundle: sim.caPem,
        },
        cpcSubsets: [
          {
            name: HOST,
            cpc: { name: 'CPCZ16A' },
            limits: { maxPartitions: 10, maxProcessors: 16, maxMemoryMiB: 65536 },
            storageAdapterPorts: [
              { adapterObjectId: 'a1b2c3d4-0000-4000-8000-0000000000f1', port: 0 },
              { adapterObjectId: 'a1b2c3d4-0000-4000-8000-0000000000f2', port: 0 },
            ],
          },
        ],
        novaBridge: { enabled: true, transportUrl: rabbit.transportUrl },
      },
      'lab',
      ns,
    );
    await peerStarted;
  }, 180000);

  afterAll(async () => {
    // Each step on its own: a failure in one must not leave a container behind.
    const steps: (() => unknown)[] = [
      () => bridgeStarted?.stop(),
      () => operatorStarted?.stop(),
      () => bridge?.cleanup(),
      () => operator?.cleanup(),
      () => peer?.stop(),
      () => (peerDir ? rm(peerDir, { recursive: true, force: true }) : undefined),
      () => hmc?.close(),
      () => sim?.stop(),
      () => rabbit?.stop(),
    ];
    for (const step of steps)
      await Promise.resolve()
        .then(step)
        .catch((e: unknown) => process.stderr.write(`cleanup: ${String(e)}\n`));
  }, 120000);

  it('runs the Deployment as the chart renders it: non-root, read-only root, ready on the simulator', async () => {
    const deployment = findOne(objects, 'Deployment') as unknown as PodTemplate;
    const metricsPort = await freePort();
    operator = await podContainer({
      kc,
      namespace: ns,
      workload: deployment,
      objects,
      role: 'operator',
      mapArgs: (a) => (a.startsWith('--metrics-port=') ? `--metrics-port=${metricsPort}` : a),
    });
    expect(operator.args[0]).toBe('run');
    expect(operator.args).toContain(`--stomp-port=${sim.stompPort}`);
    expect(operator.args).toContain('--leader-elect');
    expect(operator.env).toMatchObject({ POD_NAMESPACE: ns, POD_NAME: operator.podName });
    operatorStarted = await operator.container.startWith(Wait.forLogMessage(/dpm-operator starting/));
    // The securityContext reached the engine, and the process runs under it (seen from the host).
    const p = await containerProcess(operatorStarted);
    // (podman reports a dropped ALL as the list of its default capabilities: check the process instead)
    expect(p).toMatchObject({ user: '65532:65532', readOnlyRoot: true });
    expect(p.securityOpt).toContain('no-new-privileges');
    expect(processIds(p.pid)).toEqual({ uid: 65532, gid: 65532 });
    expect(effectiveCapabilities(p.pid)).toBe(0n);
    await withOutput(operator, async () => {
      await until(
        '/readyz 200',
        async () => (await httpStatus(metricsPort, '/readyz').catch(() => 0)) === 200,
      );
      const subset = await until('CpcSubset demo Ready', async () => {
        const s = await getCr<CpcSubset>(env(), 'cpcsubsets', HOST);
        return s?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && s;
      });
      expect(subset.status?.cpcUri).toBe(CPC);
    });
  }, 180000);

  it('takes the samples’ Partition web-01 to Running / active on the HMC', async () => {
    expect(operatorStarted).toBeDefined();
    await sim.admin.resetStats();
    await applyCrs(kc, ns, await sampleObjects(sim, ['02-partition.yaml', '03-nics.yaml', '04-hbas.yaml']));
    await withOutput(operator, async () => {
      const p = await until(
        'web-01 Running',
        async () => {
          const x = await getCr<Partition>(env(), 'partitions', 'web-01');
          return x?.status?.phase === 'Running' && x.status.hmcStatus === 'active' && x;
        },
        120000,
      );
      const onHmc = (
        await hmc.get<{ partitions: { name: string; status: string; 'object-uri': string }[] }>(
          `${CPC}/partitions`,
        )
      ).partitions.find((h) => h['object-uri'] === p.status?.partitionUri);
      expect(onHmc).toEqual(expect.objectContaining({ name: p.status?.hmcName, status: 'active' }));
      const stats = await sim.admin.stats();
      expect(stats.routes['POST /api/cpcs/{id}/partitions']?.count).toBe(1);
      expect(stats.routes['POST /api/partitions/{id}/operations/start']?.count).toBe(1);
    });
    // The operator's leader Lease carries the pod name the Downward API gave it.
    const lease = await kc
      .makeApiClient(k8s.CoordinationV1Api)
      .readNamespacedLease({ name: 'lab-dpm-operator', namespace: ns });
    expect(lease.spec?.holderIdentity).toContain(operator!.podName);
  }, 180000);

  it('runs the nova-bridge StatefulSet: connects to RabbitMQ, registers with the conductor, serves', async () => {
    const sts = objects.find(
      (o) => o.kind === 'StatefulSet' && (o.metadata.labels ?? {})['dpm.operator.dev/nova-host'] === HOST,
    ) as unknown as PodTemplate;
    expect(sts).toBeDefined();
    bridge = await podContainer({ kc, namespace: ns, workload: sts, objects, role: 'nova-bridge' });
    expect(bridge.args[0]).toBe('nova-bridge');
    expect(bridge.env.TRANSPORT_URL).toBe(rabbit.transportUrl);
    bridgeStarted = await bridge.container.startWith(Wait.forLogMessage(/serving compute RPC/), 120000);
    const p = await containerProcess(bridgeStarted);
    expect(p.readOnlyRoot).toBe(true);
    expect(processIds(p.pid)).toEqual({ uid: 65532, gid: 65532 });
    expect(effectiveCapabilities(p.pid)).toBe(0n);
    await withOutput(bridge, async () => {
      // Registered through the conductor (the real nova object API) ...
      const services = await until('nova-compute service registered', async () => {
        const s = (await peer!.ok('services')) as { host: string; binary: string }[];
        return s.some((x) => x.host === HOST && x.binary === 'nova-compute') && s;
      });
      expect(services.filter((x) => x.host === HOST)).toHaveLength(1);
      // ... and consuming its compute topic queue on the broker.
      const conn = await amqp.connect(rabbit.amqpUrl);
      try {
        const ch = await conn.createChannel();
        const q = await ch.checkQueue(`compute.${HOST}`);
        expect(q.consumerCount).toBeGreaterThanOrEqual(1);
        await ch.close();
      } finally {
        await conn.close();
      }
    });
  }, 300000);
});
