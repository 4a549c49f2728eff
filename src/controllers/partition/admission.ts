// CpcSubset limits: which Partitions of a subset fit. Pure and deterministic on the informer cache, so
// concurrent reconciles agree and the answer survives restarts (it is derived from the CRs, not memory).
import type { CpcSubset, Partition } from '../../crds/index.js';

export interface AdmissionResult {
  admitted: boolean;
  message?: string;
}

function order(a: Partition, b: Partition): number {
  // Partitions already on the HMC come first; then by age, then name: a stable queue.
  const created = Number(!a.status?.partitionUri) - Number(!b.status?.partitionUri);
  if (created !== 0) return created;
  const ta = String(a.metadata.creationTimestamp ?? '');
  const tb = String(b.metadata.creationTimestamp ?? '');
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** Whether `target` fits in the subset's limits together with the partitions admitted before it. */
export function admit(subset: CpcSubset, all: readonly Partition[], target: Partition): AdmissionResult {
  const { maxPartitions, maxProcessors, maxMemoryMiB } = subset.spec.limits;
  if (target.spec.processors.ifls > maxProcessors) {
    return {
      admitted: false,
      message: `spec.processors.ifls ${target.spec.processors.ifls} exceeds CpcSubset ${subset.metadata.name} maxProcessors ${maxProcessors}`,
    };
  }
  const mine = all.filter((p) => p.spec.cpcSubsetRef.name === subset.metadata.name);
  // Owned HMC partitions with no CR (orphaned, or created by an earlier nova-dpm) still occupy the subset.
  const orphans = Math.max(
    0,
    (subset.status?.usage?.partitions ?? 0) - mine.filter((p) => p.status?.partitionUri).length,
  );
  const queue = all
    .filter(
      (p) =>
        p.spec.cpcSubsetRef.name === subset.metadata.name &&
        (!p.metadata.deletionTimestamp || p.status?.partitionUri),
    )
    .sort(order);
  let count = orphans;
  let memory = 0;
  for (const p of queue) {
    const mem = p.spec.memory.initialMiB;
    const fits =
      p.spec.processors.ifls <= maxProcessors && count + 1 <= maxPartitions && memory + mem <= maxMemoryMiB;
    if (p.metadata.uid === target.metadata.uid) {
      if (fits) return { admitted: true };
      if (count + 1 > maxPartitions) {
        const note = orphans
          ? ` (including ${orphans} owned HMC partitions without a Partition resource)`
          : '';
        return {
          admitted: false,
          message: `CpcSubset ${subset.metadata.name} maxPartitions ${maxPartitions} reached${note}`,
        };
      }
      return {
        admitted: false,
        message: `spec.memory.initialMiB ${mem} exceeds the ${maxMemoryMiB - memory} MiB left of CpcSubset ${subset.metadata.name} maxMemoryMiB ${maxMemoryMiB}`,
      };
    }
    if (fits || p.status?.partitionUri) {
      count += 1;
      memory += mem;
    }
  }
  return { admitted: false, message: 'partition not found among the subset partitions' };
}
