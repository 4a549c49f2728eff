// Gauges over the informer caches, computed at scrape time (kube-state-metrics style): what the
// dashboard and the alerts need about Partitions and CpcSubsets. No API or HMC request is made.
// `object_namespace`, not `namespace`: Prometheus sets `namespace` to the scraped pod's namespace.
import { Gauge, type Registry } from 'prom-client';
import { PARTITION_PHASES, type CpcSubset, type Partition } from '../crds/index.js';

export interface ResourceSources {
  partitions(): readonly Partition[];
  subsets(): readonly CpcSubset[];
}

const isReady = (o: { status?: { conditions?: { type: string; status: string }[] } }): number =>
  o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 1 : 0;

/** Registers dpm_partitions, dpm_partition_ready, dpm_cpcsubset_ready, dpm_cpcsubset_limit, dpm_cpcsubset_usage. */
export function registerResourceMetrics(registry: Registry, src: ResourceSources): void {
  const registers = [registry];
  new Gauge({
    name: 'dpm_partitions',
    help: 'Partitions per namespace and status.phase (every phase reported, 0 included).',
    labelNames: ['object_namespace', 'phase'],
    registers,
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const p of src.partitions()) {
        const ns = p.metadata.namespace ?? '';
        for (const phase of PARTITION_PHASES)
          counts.set(`${ns}\0${phase}`, counts.get(`${ns}\0${phase}`) ?? 0);
        const key = `${ns}\0${p.status?.phase ?? 'Pending'}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const [key, n] of counts) {
        const [namespace = '', phase = ''] = key.split('\0');
        this.set({ object_namespace: namespace, phase }, n);
      }
    },
  });
  new Gauge({
    name: 'dpm_partition_ready',
    help: 'Whether a Partition has condition Ready=True (1) or not (0).',
    labelNames: ['object_namespace', 'partition', 'cpcsubset', 'phase'],
    registers,
    collect() {
      this.reset();
      for (const p of src.partitions()) {
        this.set(
          {
            object_namespace: p.metadata.namespace ?? '',
            partition: p.metadata.name ?? '',
            cpcsubset: p.spec?.cpcSubsetRef?.name ?? '',
            phase: p.status?.phase ?? 'Pending',
          },
          isReady(p),
        );
      }
    },
  });
  new Gauge({
    name: 'dpm_cpcsubset_ready',
    help: 'Whether a CpcSubset has condition Ready=True (1) or not (0); reason is the Ready condition reason.',
    labelNames: ['object_namespace', 'cpcsubset', 'reason'],
    registers,
    collect() {
      this.reset();
      for (const s of src.subsets()) {
        const reason = s.status?.conditions?.find((c) => c.type === 'Ready')?.reason ?? 'Unknown';
        this.set(
          { object_namespace: s.metadata.namespace ?? '', cpcsubset: s.metadata.name ?? '', reason },
          isReady(s),
        );
      }
    },
  });
  const perResource = (
    name: string,
    help: string,
    value: (s: CpcSubset) => Record<'partitions' | 'processors' | 'memory_mib', number | undefined>,
  ): void =>
    void new Gauge({
      name,
      help,
      labelNames: ['object_namespace', 'cpcsubset', 'resource'],
      registers,
      collect() {
        this.reset();
        for (const s of src.subsets()) {
          for (const [resource, v] of Object.entries(value(s))) {
            if (v === undefined) continue;
            this.set(
              { object_namespace: s.metadata.namespace ?? '', cpcsubset: s.metadata.name ?? '', resource },
              v,
            );
          }
        }
      },
    });
  perResource('dpm_cpcsubset_limit', 'CpcSubset spec.limits (partitions, processors, memory_mib).', (s) => ({
    partitions: s.spec?.limits?.maxPartitions,
    processors: s.spec?.limits?.maxProcessors,
    memory_mib: s.spec?.limits?.maxMemoryMiB,
  }));
  perResource('dpm_cpcsubset_usage', 'CpcSubset status.usage (partitions, processors, memory_mib).', (s) => ({
    partitions: s.status?.usage?.partitions,
    processors: s.status?.usage?.processors,
    memory_mib: s.status?.usage?.memoryMiB,
  }));
}
