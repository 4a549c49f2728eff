// `npm run bench`: the scale benchmark of issue 13. Flags (after `npm run bench --`):
//   --n 100,1000        partition counts (default 100,1000)
//   --path hba,storage  HBA path (storage management off) and/or storage-group path (on); default both
//   --fulfillment-delay-ms 5000   storage path: the simulator completes each volume this long after creation
//   --quick             N = 100 only, 30 s steady window, 1000 idle CRs (a few minutes)
//   --latency-ms 100    HMC latency on every request     --job-ms 20000   duration of start/stop jobs
//   --cap-min 12        stop waiting for all-Active (the rest is projected from the measured rate)
//   --steady-s 60       steady-state window               --idle 5000      Partition CRs of the memory phase (0: skip)
//   --concurrency 30    operator --concurrency (its default)            --out bench      where report.{json,md} go
//   --cpu-prof DIR      write a V8 CPU profile of each scale run's operator into DIR (open in Chrome DevTools)
//   --render            only re-render report.md from report.json (e.g. after adding "notes" to it)
// Never part of `npm test`. Writes bench/report.json and bench/report.md.
import * as k8s from '@kubernetes/client-node';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startControlPlane } from '../src/devenv/control-plane.js';
import { installCrds } from '../src/devenv/install-crds.js';
import { PooledKubeConfig } from '../src/runtime/pooled-kubeconfig.js';
import { runIdle, type IdleResult } from './idle.js';
import { renderMarkdown } from './report.js';
import { buildOperator } from './operator-process.js';
import { runScale, type ScaleResult } from './scenario.js';
import { BENCH_PATHS, type BenchPath } from './workload.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string' },
    path: { type: 'string', default: 'hba,storage' },
    'fulfillment-delay-ms': { type: 'string', default: '5000' },
    quick: { type: 'boolean', default: false },
    'latency-ms': { type: 'string', default: '100' },
    'job-ms': { type: 'string', default: '20000' },
    'cap-min': { type: 'string', default: '12' },
    'steady-s': { type: 'string' },
    idle: { type: 'string' },
    concurrency: { type: 'string', default: '30' },
    out: { type: 'string', default: 'bench' },
    render: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});
const num = (v: string | undefined, flag: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${flag} must be a number >= 0, got ${v}`);
  return n;
};
const quick = values.quick;
const ns = (values.n ?? (quick ? '100' : '100,1000')).split(',').map((s) => num(s.trim(), 'n'));
const paths = values.path.split(',').map((s) => s.trim());
for (const p of paths) {
  if (!(BENCH_PATHS as readonly string[]).includes(p)) {
    throw new Error(`--path must be a comma-separated list of ${BENCH_PATHS.join(', ')}, got ${p}`);
  }
}
const steadyMs = num(values['steady-s'] ?? (quick ? '30' : '60'), 'steady-s') * 1000;
const idleCrs = num(values.idle ?? (quick ? '1000' : '5000'), 'idle');
const common = {
  latencyMs: num(values['latency-ms'], 'latency-ms'),
  fulfillmentDelayMs: num(values['fulfillment-delay-ms'], 'fulfillment-delay-ms'),
  jobMs: num(values['job-ms'], 'job-ms'),
  concurrency: num(values.concurrency, 'concurrency'),
  capMs: num(values['cap-min'], 'cap-min') * 60_000,
  steadyMs,
  minChain: 9,
  hmcConcurrency: 10,
};

const log = (s: string): void => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}`);

const machine = (): { cpus: number; memGiB: number; loadavg: number[] } => ({
  cpus: cpus().length,
  memGiB: Math.round(totalmem() / 2 ** 30),
  loadavg: loadavg().map((l) => +l.toFixed(2)),
});

async function main(): Promise<void> {
  const started = Date.now();
  const loadBefore = machine();
  const work = await mkdtemp(join(tmpdir(), 'dpm-bench-'));
  log(`work dir ${work} (operator logs, seeds); compiling the operator`);
  const cli = await buildOperator(join(work, 'build'));
  const cp = await startControlPlane({ log: (l) => log(l) });
  const scale: ScaleResult[] = [];
  let idle: IdleResult | undefined;
  try {
    const loaded = new k8s.KubeConfig();
    loaded.loadFromFile(cp.kubeconfigPath);
    // The apply of 5000 objects: one TLS handshake per request otherwise.
    const kc = PooledKubeConfig.from(loaded);
    await installCrds(kc);
    for (const n of ns) {
      for (const path of paths as BenchPath[]) {
        log(`scale run ${path} n=${n}`);
        const cpuProfDir = values['cpu-prof'];
        scale.push(await runScale(cli, kc, cp.kubeconfigPath, work, { ...common, n, path, cpuProfDir }, log));
      }
    }
    if (idleCrs > 0) {
      log(`memory phase: ${idleCrs} Partition CRs`);
      idle = await runIdle(cli, kc, cp.kubeconfigPath, work, idleCrs, log);
    }
  } finally {
    await cp.stop();
  }
  const report = {
    date: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    settings: { ...common, partitionCounts: ns, paths, idlePartitionCrs: idleCrs },
    machine: { before: loadBefore, after: machine(), note: 'shared machine; loadavg = 1/5/15 min' },
    durationS: Math.round((Date.now() - started) / 1000),
    scale,
    idle,
  };
  await mkdir(values.out, { recursive: true });
  await writeFile(join(values.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(values.out, 'report.md'), renderMarkdown(report));
  console.log(renderMarkdown(report));
}

// An interrupted run still stops its operator processes ('exit' handlers) and control plane (tied to us).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

if (values.render) {
  const report = JSON.parse(await readFile(join(values.out, 'report.json'), 'utf8')) as Parameters<
    typeof renderMarkdown
  >[0];
  await writeFile(join(values.out, 'report.md'), renderMarkdown(report));
} else {
  await main();
}
