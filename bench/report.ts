// bench/report.md from the report object.
import type { IdleResult } from './idle.js';
import type { ScaleResult } from './scenario.js';

interface Report {
  date: string;
  command: string;
  settings: {
    latencyMs: number;
    jobMs: number;
    fulfillmentDelayMs?: number;
    concurrency: number;
    minChain: number;
    hmcConcurrency: number;
  };
  machine: { before: { cpus: number; memGiB: number; loadavg: number[] }; after: { loadavg: number[] } };
  durationS: number;
  scale: ScaleResult[];
  idle?: IdleResult;
  /** Observations added by whoever ran it (what limited the run, earlier measurements). */
  notes?: string[];
}

const s = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);

/** Measured, projected from the Active rate, or (nothing Active at the cap) only a lower limit. */
function ratio(x: ScaleResult): string {
  if (!x.projected) return String(x.ratio);
  return x.activeAtEnd === 0 ? `> ${x.ratio} (none Active at the cap)` : `${x.ratio} (projected)`;
}

export function renderMarkdown(r: Report): string {
  const lines = [
    `# dpm-operator scale benchmark`,
    '',
    `${r.date} · \`${r.command}\` · ${r.durationS} s in total`,
    '',
    `HMC latency ${r.settings.latencyMs} ms per request, start jobs ${r.settings.jobMs / 1000} s, operator ` +
      `\`--concurrency=${r.settings.concurrency}\`, one HMC session (${r.settings.hmcConcurrency} requests in flight).`,
    `Lower bound = one job time + max(one chain, N × chain / ${r.settings.hmcConcurrency}) × latency, ` +
      `chain = ${r.settings.minChain} requests (issue 13's minimum for apply → Active)` +
      (r.settings.fulfillmentDelayMs === undefined
        ? '.'
        : `; on the storage path plus the fulfillment delay (${r.settings.fulfillmentDelayMs / 1000} s).`),
    'Paths: **hba** = 2 NICs + 2 PartitionHbas, boot from an FCP LUN, `dpm-storage-management` off; ' +
      '**storage** = 2 NICs + an own StorageGroup (2 paths, boot + data volume, fulfilled by the simulator ' +
      'after the delay), boot from its volume, `dpm-storage-management` on.',
    '',
    `Machine: ${r.machine.before.cpus} cores, ${r.machine.before.memGiB} GiB, shared with other sessions; ` +
      `load average before ${r.machine.before.loadavg.join(' / ')}, after ${r.machine.after.loadavg.join(' / ')}.`,
    '',
    '| path | N | CPCs | apply | first Active | all Active | lower bound | wall / bound | HMC requests / partition | Kubernetes writes / partition | steady requests / partition-hour | operator RSS (peak) | operator CPU |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.scale.map(
      (x) =>
        `| ${x.path ?? 'hba'} | ${x.n} | ${x.cpcs} | ${s(x.applyMs)} | ${s(x.firstActiveMs)} | ` +
        `${x.allActiveMs === null ? `${x.activeAtEnd}/${x.n} at cap` : s(x.allActiveMs)} | ${s(x.lowerBoundMs)} | ` +
        `${ratio(x)} | ${x.activeAtEnd === 0 ? `${x.hmcRequests} in total` : x.hmcRequestsPerPartition} | ` +
        `${x.kubeWritesPerPartition ?? '—'} | ` +
        `${x.allActiveMs === null ? '— (not settled)' : x.steadyRequestsPerPartitionHour} | ` +
        `${x.operator.rssMiB.toFixed(0)} MiB (${x.operator.peakRssMiB.toFixed(0)}) | ` +
        `${x.operator.cpuSecondsDuringRun} s |`,
    ),
    '',
    'Projected = the cap was reached before all partitions were Active; the wall time is extrapolated from',
    'the rate at which partitions became Active after the first one. HMC requests / partition counts the',
    'requests until the cap, divided by the partitions Active then. "Not settled": the steady-state window',
    "is only meaningful once all partitions are Active. Kubernetes writes / partition: the API server's own",
    "count (apiserver_request_total) of writes other than the benchmark's creates (status and finalizer",
    'patches, Events) from the apply until all-Active, per Active partition.',
    '',
  ];
  if (r.idle) {
    const i = r.idle;
    lines.push(
      `## ${i.partitionCrs} Partition CRs (idle; subset not served, so no HMC)`,
      '',
      '| metric | value | goal |',
      '|---|---|---|',
      `| operator RSS after settling (with no CRs) | ${i.rssMiB} MiB${i.rssEmptyMiB === undefined ? '' : ` (${i.rssEmptyMiB} MiB)`} | ≤ 150 MB |`,
      `| operator peak RSS | ${i.peakRssMiB} MiB | |`,
      `| informer sync (operator's own measurement; with no CRs) | ${i.informerSyncMs} ms (${i.informerSyncEmptyMs} ms) | |`,
      `| process start → /readyz (with no CRs) | ${i.readyMs} ms (${i.readyEmptyMs} ms) | |`,
      `| CPU to settle (start, sync, one status report each) | ${i.cpuSecondsToSettle} s | |`,
      `| idle CPU over ${i.idleWindowMs / 1000} s | ${i.idleCpuPercent} % | |`,
      '',
    );
  }
  if (r.notes?.length) lines.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  return `${lines.join('\n')}\n`;
}
