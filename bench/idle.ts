// The operator's footprint with many custom resources: M Partition CRs (of a CpcSubset this operator does
// not serve, so no HMC is involved) exist before it starts; measures the time to /readyz (informers
// synced), then RSS and CPU once the queue has drained and while idle.
import * as k8s from '@kubernetes/client-node';
import { join } from 'node:path';
import { createAll } from './apply.js';
import { startBenchOperator } from './operator-process.js';
import { idlePartition } from './workload.js';

export interface IdleResult {
  partitionCrs: number;
  readyMs: number;
  /** /readyz time of the same process with no custom resources (process start, no informer data). */
  readyEmptyMs: number;
  /** The operator's own measurement: list + watch of the four CRDs until the caches are filled. */
  informerSyncMs: number | null;
  informerSyncEmptyMs: number | null;
  rssMiB: number;
  /** RSS of the same process with no custom resources, 30 s after /readyz (optional: older reports lack it). */
  rssEmptyMiB?: number;
  peakRssMiB: number;
  cpuSecondsToSettle: number;
  idleWindowMs: number;
  idleCpuPercent: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runIdle(
  cli: string,
  kc: k8s.KubeConfig,
  kubeconfigPath: string,
  workDir: string,
  m: number,
  log: (s: string) => void,
): Promise<IdleResult> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const start = async (ns: string) =>
    startBenchOperator({
      cli,
      kubeconfigPath,
      namespace: ns,
      stompPort: 61612,
      concurrency: 4,
      logFile: join(workDir, `operator-${ns}.log`),
    });
  await core.createNamespace({ body: { metadata: { name: 'bench-empty' } } });
  const empty = await start('bench-empty');
  const readyEmptyMs = await empty.ready(120_000);
  const informerSyncEmptyMs = (await empty.informerSyncMs()) ?? null;
  await sleep(30_000); // the same idle window as below
  const rssEmptyMiB = +(await empty.sample()).rssMiB.toFixed(1);
  await empty.stop();

  const ns = 'bench-idle';
  await core.createNamespace({ body: { metadata: { name: ns } } });
  const t0 = Date.now();
  await createAll(
    kc,
    Array.from({ length: m }, (_, i) => idlePartition(i)),
    ns,
    32,
  );
  log(`idle: ${m} Partition CRs created in ${Date.now() - t0} ms`);
  const op = await start(ns);
  try {
    const readyMs = await op.ready(300_000);
    // Settled: CPU use stops growing (every Partition reported once).
    let last = (await op.sample()).cpuSeconds;
    for (let i = 0; i < 120; i++) {
      await sleep(5000);
      const now = (await op.sample()).cpuSeconds;
      if (now - last < 0.1) break;
      last = now;
    }
    const settled = await op.sample();
    const idleWindowMs = 30_000;
    await sleep(idleWindowMs);
    const after = await op.sample();
    return {
      partitionCrs: m,
      readyMs,
      readyEmptyMs,
      informerSyncMs: (await op.informerSyncMs()) ?? null,
      informerSyncEmptyMs,
      rssMiB: +after.rssMiB.toFixed(1),
      rssEmptyMiB,
      peakRssMiB: +after.peakRssMiB.toFixed(1),
      cpuSecondsToSettle: +settled.cpuSeconds.toFixed(1),
      idleWindowMs,
      idleCpuPercent: +(((after.cpuSeconds - settled.cpuSeconds) / (idleWindowMs / 1000)) * 100).toFixed(2),
    };
  } finally {
    await op.stop();
  }
}
