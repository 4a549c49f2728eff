// Benchmark: N partitions (2 NICs + 2 HBAs each, FCP boot) applied at once, reconciled by the operator
// against the HMC simulator with HMC-like latency. Reports wall time to all-Active and HMC requests per
// partition, then a steady-state window. Writes bench/report.json and bench/report.md.
import * as k8s from '@kubernetes/client-node';
import { writeFile } from 'node:fs/promises';
import pino from 'pino';
import { startControlPlane } from '../src/devenv/control-plane.js';
import { installCrds } from '../src/devenv/install-crds.js';
import { startSimulator } from '../src/hmc-simulator/index.js';
import { OperatorManager } from '../src/controllers/manager.js';
import { eventSink } from '../src/controllers/operator.js';
import { EventRecorder } from '../src/runtime/events.js';
import { applyObjects } from '../src/devenv/demo.js';
import type { Partition } from '../src/crds/index.js';

const N = Number(process.env.BENCH_PARTITIONS ?? 20);
const LATENCY_MS = Number(process.env.BENCH_HMC_LATENCY_MS ?? 50);
const JOB_MS = Number(process.env.BENCH_JOB_MS ?? 2000);
const STEADY_MS = Number(process.env.BENCH_STEADY_MS ?? 10_000);

function objects(i: number): k8s.KubernetesObject[] {
  const p = `bench-${String(i).padStart(3, '0')}`;
  const mac = (n: number): string =>
    `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${((i & 0xff) ^ n).toString(16).padStart(2, '0')}`;
  const nic = (n: number, vs: string, port: number) => ({
    apiVersion: 'dpm.operator.dev/v1alpha1',
    kind: 'PartitionNic',
    metadata: { name: `${p}-nic-${n}` },
    spec: { partitionRef: { name: p }, virtualSwitch: { objectId: vs }, mac: mac(n), port },
  });
  const hba = (n: number, a: string) => ({
    apiVersion: 'dpm.operator.dev/v1alpha1',
    kind: 'PartitionHba',
    metadata: { name: `${p}-hba-${n}` },
    spec: { partitionRef: { name: p }, adapterPort: { adapterObjectId: a, port: 0 } },
  });
  return [
    {
      apiVersion: 'dpm.operator.dev/v1alpha1',
      kind: 'Partition',
      metadata: { name: p },
      spec: {
        cpcSubsetRef: { name: 'bench' },
        processors: { ifls: 1 },
        memory: { initialMiB: 1024, maximumMiB: 1024 },
        boot: {
          type: 'FcpVolume',
          fcpVolume: { hbaRef: { name: `${p}-hba-0` }, targetWwpn: '500507680b2145f0', lun: '0' },
        },
      },
    },
    nic(0, 'a1b2c3d4-0000-4000-8000-0000000000b1', 0),
    nic(1, 'a1b2c3d4-0000-4000-8000-0000000000b2', 1),
    hba(0, 'a1b2c3d4-0000-4000-8000-0000000000f1'),
    hba(1, 'a1b2c3d4-0000-4000-8000-0000000000f2'),
  ] as k8s.KubernetesObject[];
}

async function main(): Promise<void> {
  const cp = await startControlPlane({ log: (l) => console.error(l) });
  const sim = await startSimulator({
    port: 0,
    stompPort: 0,
    jobDurationMs: JOB_MS,
    seedName: 'z13', // the HBA path
    faults: [{ kind: 'latency', ms: LATENCY_MS }],
  });
  let manager: OperatorManager | undefined;
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    await installCrds(kc);
    const ns = 'default';
    await applyObjects(
      kc,
      [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'hmc' },
          stringData: { userid: sim.userid, password: sim.password, 'ca.crt': sim.caPem },
        } as k8s.KubernetesObject,
        {
          apiVersion: 'dpm.operator.dev/v1alpha1',
          kind: 'CpcSubset',
          metadata: { name: 'bench' },
          spec: {
            hmc: { host: '127.0.0.1', port: sim.port, credentialsSecretRef: { name: 'hmc' } },
            cpc: { name: 'CPCZ16A' },
            limits: { maxPartitions: 85, maxProcessors: 64, maxMemoryMiB: 1048576 },
          },
        } as k8s.KubernetesObject,
      ],
      ns,
    );
    manager = new OperatorManager({
      kubeConfig: kc,
      namespaces: [ns],
      concurrency: 4,
      log: pino({ level: 'silent' }),
      events: eventSink(new EventRecorder({ kubeConfig: kc, component: 'dpm-operator' })),
      stompPort: sim.stompPort,
      resyncMs: 1000,
    });
    await manager.startInformers();
    manager.startWorkers();
    await sim.admin.resetStats();
    const t0 = Date.now();
    await applyObjects(kc, Array.from({ length: N }, (_, i) => objects(i)).flat(), ns);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    let first = 0;
    for (;;) {
      const items = (
        (await custom.listNamespacedCustomObject({
          group: 'dpm.operator.dev',
          version: 'v1alpha1',
          namespace: ns,
          plural: 'partitions',
        })) as { items: Partition[] }
      ).items;
      const active = items.filter((p) => p.status?.hmcStatus === 'active').length;
      if (active && !first) first = Date.now() - t0;
      if (active === N) break;
      if (Date.now() - t0 > 600_000) throw new Error(`only ${active}/${N} active after 10 min`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const allActiveMs = Date.now() - t0;
    const applyStats = await sim.admin.stats();
    await sim.admin.resetStats();
    await new Promise((r) => setTimeout(r, STEADY_MS));
    const steady = await sim.admin.stats();
    const report = {
      date: new Date().toISOString(),
      partitions: N,
      hmcLatencyMs: LATENCY_MS,
      jobDurationMs: JOB_MS,
      firstActiveMs: first,
      allActiveMs,
      hmcRequests: applyStats.total,
      hmcRequestsPerPartition: +(applyStats.total / N).toFixed(1),
      steadyStateWindowMs: STEADY_MS,
      steadyStateInformerResyncs: Math.floor(STEADY_MS / 1000),
      steadyStateHmcRequests: steady.total,
      routes: applyStats.routes,
    };
    await writeFile('bench/report.json', `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(
      'bench/report.md',
      `# dpm-operator benchmark (${report.date})\n\n| metric | value |\n|---|---|\n` +
        Object.entries(report)
          .filter(([k]) => k !== 'routes' && k !== 'date')
          .map(([k, v]) => `| ${k} | ${v} |`)
          .join('\n') +
        '\n',
    );
    console.log(JSON.stringify({ ...report, routes: undefined }, null, 2));
  } finally {
    await manager?.stop();
    await sim.stop();
    await cp.stop();
  }
}

await main();
