// Plan a CpcSubset pass (pure): Ready or refused (with the reason the catalogue knows), and the usage columns.
import type { CpcSubset, CpcSubsetStatus, Partition } from '../../crds/index.js';
import type { Reason } from '../../crds/reasons.js';
import { HmcHttpError, NotFoundError } from '../../hmc/errors.js';
import { CredentialsError } from '../connections.js';
import type { CpcProps, SubsetSnapshot } from './observe.js';

/** CPC statuses in which partitions can be managed (as nova-dpm accepted them). */
const USABLE_CPC_STATUS = new Set(['active', 'service-required', 'degraded', 'exceptions']);

/** Pure: the refusal for a CPC that cannot host this subset, or undefined when it fits. */
export function checkCpc(subset: CpcSubset, cpc: CpcProps): { reason: Reason; message: string } | undefined {
  const l = subset.spec.limits;
  if (cpc['dpm-enabled'] !== true) {
    return {
      reason: 'CpcNotDpmEnabled',
      message: `CPC ${cpc.name} is not in DPM mode (dpm-enabled is false)`,
    };
  }
  if (!USABLE_CPC_STATUS.has(cpc.status ?? '')) {
    return { reason: 'CpcNotUsable', message: `CPC ${cpc.name} status is ${cpc.status}` };
  }
  const problems: string[] = [];
  if (cpc['processor-count-ifl'] !== undefined && l.maxProcessors > cpc['processor-count-ifl']) {
    problems.push(`spec.limits.maxProcessors ${l.maxProcessors} > CPC IFLs ${cpc['processor-count-ifl']}`);
  }
  if (cpc['storage-customer'] !== undefined && l.maxMemoryMiB > cpc['storage-customer']) {
    problems.push(`spec.limits.maxMemoryMiB ${l.maxMemoryMiB} > CPC memory ${cpc['storage-customer']} MiB`);
  }
  if (cpc['maximum-partitions'] !== undefined && l.maxPartitions > cpc['maximum-partitions']) {
    problems.push(`spec.limits.maxPartitions ${l.maxPartitions} > CPC maximum ${cpc['maximum-partitions']}`);
  }
  return problems.length ? { reason: 'LimitsExceedCapacity', message: problems.join('; ') } : undefined;
}

export type SubsetPlan =
  | { kind: 'ready'; cpc: CpcProps; usage: NonNullable<CpcSubsetStatus['usage']>; orphans: number }
  | { kind: 'refused'; reason: Reason; message: string; cpc?: CpcProps; transient: boolean }
  | { kind: 'usage'; usage: NonNullable<CpcSubsetStatus['usage']> };

function usageOf(partitions: Partition[], onHmc: number): NonNullable<CpcSubsetStatus['usage']> {
  const placed = partitions.filter((p) => p.status?.partitionUri);
  return {
    partitions: onHmc,
    // IFLs are shared: usage is the largest partition, as nova-dpm reported it; memory is the sum.
    processors: Math.max(0, ...placed.map((p) => p.spec.processors.ifls)),
    memoryMiB: placed.reduce((sum, p) => sum + p.spec.memory.initialMiB, 0),
  };
}

/** Failure of the HMC check in catalogue terms; transient ones are retried with backoff. */
function refusalOf(subset: CpcSubset, e: unknown): Extract<SubsetPlan, { kind: 'refused' }> {
  const raw = e instanceof Error ? e.message : String(e);
  if (e instanceof CredentialsError)
    return { kind: 'refused', reason: 'CredentialsNotFound', message: raw, transient: false };
  const field = subset.spec.cpc.objectId ? 'spec.cpc.objectId' : 'spec.cpc.name';
  if (e instanceof NotFoundError || (e instanceof HmcHttpError && e.httpStatus === 404)) {
    return {
      kind: 'refused',
      reason: 'CpcNotFound',
      message: `${field}: ${raw} on the HMC`,
      transient: false,
    };
  }
  if (e instanceof HmcHttpError) {
    return e.httpStatus === 403
      ? { kind: 'refused', reason: 'HmcAuthenticationFailed', message: raw, transient: true }
      : { kind: 'refused', reason: 'HmcError', message: raw, transient: true };
  }
  return { kind: 'refused', reason: 'HmcUnreachable', message: raw, transient: true };
}

export function planSubset(s: Extract<SubsetSnapshot, { kind: 'subset' }>): SubsetPlan {
  const { hmc, partitions, subset } = s;
  if (hmc.kind === 'failed') return refusalOf(subset, hmc.error);
  if (hmc.kind === 'not-due') {
    const placed = partitions.filter((p) => p.status?.partitionUri).length;
    return { kind: 'usage', usage: usageOf(partitions, placed + hmc.last.orphans) };
  }
  const refusal = checkCpc(subset, hmc.cpc);
  if (refusal) return { kind: 'refused', ...refusal, cpc: hmc.cpc, transient: false };
  const known = new Set(partitions.map((p) => p.status?.partitionUri).filter(Boolean));
  const orphans = hmc.owned.filter((o) => !known.has(o.uri)).length;
  return { kind: 'ready', cpc: hmc.cpc, usage: usageOf(partitions, hmc.owned.length), orphans };
}
