// One scale run: N partitions (2 NICs each, plus 2 HBAs on the HBA path or an own StorageGroup booting from
// its volume on the storage-group path) applied at once, reconciled by `dpm-operator run` against the
// simulator (one HMC managing ceil(N/85) CPCs, one CpcSubset each) with HMC latency and job durations of a
// real HMC; on the storage path the simulator fulfills each volume (SAN administrator) after a delay.
// Measures wall time to all-Active, HMC requests, operator RSS/CPU, then a steady-state window.
import * as k8s from '@kubernetes/client-node';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSimulator } from '../src/hmc-simulator/index.js';
import { watchActive } from './active-watch.js';
import { createAll } from './apply.js';
import { kubeWrites, writesBetween, type WriteCounts } from './kube-writes.js';
import { startBenchOperator, type ProcSample } from './operator-process.js';
import { PARTITIONS_PER_CPC, benchCpcs, benchSeed } from './seed.js';
import { cpcSubset, partitionObjects, type BenchPath } from './workload.js';

export interface ScaleOptions {
  readonly n: number;
  readonly path: BenchPath;
  /** Storage path: the simulator completes each volume this long after its creation. */
  readonly fulfillmentDelayMs: number;
  readonly latencyMs: number;
  readonly jobMs: number;
  readonly concurrency: number;
  /** Give up waiting for all-Active after this long (the rest is reported as a projection). */
  readonly capMs: number;
  readonly steadyMs: number;
  /** HMC requests of the shortest apply → Active chain of one partition (issue 13: about 9). */
  readonly minChain: number;
  /** Requests the operator keeps in flight per HMC (src/hmc/session.ts maxConcurrency default). */
  readonly hmcConcurrency: number;
  /** Write a V8 CPU profile of the operator into this directory (bench --cpu-prof). */
  readonly cpuProfDir?: string;
}

export interface ScaleResult {
  n: number;
  path: BenchPath;
  /** Storage path: the simulated SAN administrator's delay, part of the lower bound (0 on the HBA path). */
  fulfillmentDelayMs: number;
  cpcs: number;
  applyMs: number;
  firstActiveMs: number | null;
  allActiveMs: number | null;
  activeAtEnd: number;
  lowerBoundMs: number;
  /** wall / lower bound (projected from the Active rate when the cap was hit). */
  ratio: number;
  projected: boolean;
  hmcRequests: number;
  hmcRequestsPerPartition: number;
  steadyWindowMs: number;
  steadyHmcRequests: number;
  steadyRequestsPerPartitionHour: number;
  operator: ProcSample & { cpuSecondsDuringRun: number };
  routes: Record<string, { count: number; errors: number }>;
  /** HMC requests of the steady-state window by route (what should be none). */
  steadyRoutes: Record<string, { count: number; errors: number }>;
  /** API server writes from the apply until all-Active, by `VERB resource[/subresource]` (its /metrics). */
  kubeWrites?: WriteCounts;
  /** The operator's share of them (all but the benchmark's own creates) per Active partition. */
  kubeWritesPerPartition?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One job time plus the minimal request chain of all partitions pushed through the HMC's concurrency; on the
 * storage path also the fulfillment delay (nothing can start before its boot volume is complete).
 */
export function lowerBoundMs(
  o: Pick<
    ScaleOptions,
    'n' | 'latencyMs' | 'jobMs' | 'minChain' | 'hmcConcurrency' | 'path' | 'fulfillmentDelayMs'
  >,
): number {
  const chain = o.minChain * o.latencyMs;
  const throughput = Math.ceil((o.n * o.minChain) / o.hmcConcurrency) * o.latencyMs;
  return o.jobMs + (o.path === 'storage' ? o.fulfillmentDelayMs : 0) + Math.max(chain, throughput);
}

export async function runScale(
  cli: string,
  kc: k8s.KubeConfig,
  kubeconfigPath: string,
  workDir: string,
  o: ScaleOptions,
  log: (s: string) => void,
): Promise<ScaleResult> {
  const cpcs = benchCpcs(Math.ceil(o.n / PARTITIONS_PER_CPC));
  const perCpc = Math.ceil(o.n / cpcs.length);
  const tag = `${o.path}-n${o.n}`;
  const seedPath = join(workDir, `seed-${tag}.json`);
  await writeFile(seedPath, JSON.stringify(benchSeed(cpcs, 'bench', 'bench-password', o.path === 'storage')));
  const sim = await startSimulator({
    port: 0,
    stompPort: 0,
    seed: seedPath,
    jobDurationMs: o.jobMs,
    faults: [{ kind: 'latency', ms: o.latencyMs }],
    fulfillmentDelayMs: o.path === 'storage' ? o.fulfillmentDelayMs : 0,
  });
  const ns = `bench-${tag}`;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await core.createNamespacedSecret({
    namespace: ns,
    body: {
      metadata: { name: 'hmc' },
      stringData: { userid: sim.userid, password: sim.password, 'ca.crt': sim.caPem },
    },
  });
  await createAll(
    kc,
    cpcs.map((c, k) => cpcSubset(k, c, sim.port, 'hmc', o.path)),
    ns,
  );
  const op = await startBenchOperator({
    cli,
    kubeconfigPath,
    namespace: ns,
    stompPort: sim.stompPort,
    concurrency: o.concurrency,
    logFile: join(workDir, `operator-${tag}.log`),
    cpuProfDir: o.cpuProfDir,
  });
  try {
    await op.ready(120_000);
    const watch = await watchActive(kc, ns);
    await sleep(3000); // let the CpcSubsets become Ready
    await sim.admin.resetStats();
    const cpu0 = (await op.sample()).cpuSeconds;
    const objs = Array.from({ length: o.n }, (_, i) => {
      const k = Math.floor(i / perCpc);
      return partitionObjects(i, k, cpcs[k]!, o.path);
    }).flat();
    const writes0 = await kubeWrites(kc);
    const t0 = Date.now();
    await createAll(kc, objs, ns);
    const applyMs = Date.now() - t0;
    log(`${tag}: ${objs.length} objects created in ${applyMs} ms`);
    let active = 0;
    let lastLog = 0;
    for (;;) {
      active = watch.active();
      const t = Date.now() - t0;
      if (active === o.n || t > o.capMs) break;
      if (t - lastLog > 30_000) {
        lastLog = t;
        log(`${tag}: ${active}/${o.n} active after ${Math.round(t / 1000)} s`);
      }
      await sleep(250);
    }
    const wall = Date.now() - t0;
    const firstAt = watch.firstActiveAt();
    const first = firstAt === undefined ? null : firstAt - t0;
    await watch.stop();
    const done = active === o.n;
    const applyStats = await sim.admin.stats();
    const runSample = await op.sample();
    const writes = writesBetween(writes0, await kubeWrites(kc));
    const ownCreates = objs.length;
    const operatorWrites = Object.values(writes).reduce((a, b) => a + b, 0) - ownCreates;
    const bound = lowerBoundMs(o);
    // Past the cap: project the rest at the rate measured after the first Active partition.
    const projectedWall =
      done || active === 0 || first === null
        ? wall
        : first + ((wall - first) * (o.n - 1)) / Math.max(1, active - 1);
    log(`${tag}: ${active}/${o.n} active after ${wall} ms; steady-state window ${o.steadyMs} ms`);
    await sim.admin.resetStats();
    await sleep(o.steadyMs);
    const steady = await sim.admin.stats();
    const hours = o.steadyMs / 3_600_000;
    return {
      n: o.n,
      path: o.path,
      fulfillmentDelayMs: o.path === 'storage' ? o.fulfillmentDelayMs : 0,
      cpcs: cpcs.length,
      applyMs,
      firstActiveMs: first,
      allActiveMs: done ? wall : null,
      activeAtEnd: active,
      lowerBoundMs: bound,
      ratio: +(projectedWall / bound).toFixed(2),
      projected: !done,
      hmcRequests: applyStats.total,
      hmcRequestsPerPartition: +(applyStats.total / Math.max(1, active)).toFixed(1),
      steadyWindowMs: o.steadyMs,
      steadyHmcRequests: steady.total,
      steadyRequestsPerPartitionHour: +(steady.total / Math.max(1, active) / hours).toFixed(2),
      operator: { ...runSample, cpuSecondsDuringRun: +(runSample.cpuSeconds - cpu0).toFixed(1) },
      routes: applyStats.routes,
      steadyRoutes: steady.routes,
      kubeWrites: writes,
      kubeWritesPerPartition: +(operatorWrites / Math.max(1, active)).toFixed(1),
    };
  } finally {
    await op.stop();
    await sim.stop();
  }
}
