// Observe a CpcSubset: the CR and its Partitions from the caches; the CPC and the owned partition list from the
// HMC when a check is due (two requests), otherwise nothing from the HMC (usage follows the Partitions).
import type { Logger } from 'pino';
import type { CpcSubset, Partition, StorageModel } from '../../crds/index.js';
import { cpcFeatureEnabled } from '../../hmc/cpc.js';
import type { HmcConnection } from '../connections.js';
import type { PartitionRef } from '../hmc-gateway.js';
import type { KubeWriter } from '../kube.js';
import { isOwnedPartitionName, ownedPartitionNameFilter } from '../naming.js';
import type { EventSink, ReadCache } from '../outcome.js';

export interface CpcSubsetDeps {
  subsets: ReadCache<CpcSubset>;
  partitions: ReadCache<Partition>;
  connect(subset: CpcSubset): Promise<HmcConnection>;
  /** Releases the HMC connection of a deleted subset (logoff when no other subset shares it). */
  disconnect(key: string): Promise<void>;
  writer: KubeWriter;
  events: EventSink;
  log: Logger;
  /** Periodic re-check of CPC health and usage (jittered by the caller's queue). */
  resyncMs: number;
  /** Called with partition URIs whose HMC state drifted from the cache (lost notifications). */
  onDrift(uris: string[]): void;
  now?: () => Date;
}

export interface CpcProps {
  'object-uri': string;
  name: string;
  'dpm-enabled'?: boolean;
  'se-version'?: string;
  status?: string;
  'processor-count-ifl'?: number;
  'storage-customer'?: number;
  'maximum-partitions'?: number;
  'available-features-list'?: ReadonlyArray<{ name: string; state: boolean }>;
}

/** StorageGroups when the CPC has dpm-storage-management on (then HBAs do not exist), Hbas otherwise. */
export function storageModelOf(cpc: Pick<CpcProps, 'available-features-list'>): StorageModel {
  return cpcFeatureEnabled(cpc, 'dpm-storage-management') ? 'StorageGroups' : 'Hbas';
}

/** The last HMC check of a subset, kept by the reconciler between passes. */
export interface LastCheck {
  at: number;
  generation: number | undefined;
  /** Owned HMC partitions without a Partition resource at that check. */
  orphans: number;
}

export type HmcCheck =
  | { kind: 'checked'; cpc: CpcProps; owned: PartitionRef[]; drifted: string[] }
  | { kind: 'failed'; error: unknown }
  /** Not due: usage is derived from the Partitions and the last check's orphans. */
  | { kind: 'not-due'; last: LastCheck };

export type SubsetSnapshot =
  | { kind: 'gone'; key: string }
  | { kind: 'skip' }
  | { kind: 'subset'; key: string; subset: CpcSubset; partitions: Partition[]; hmc: HmcCheck; now: Date };

/** Whether the HMC must be asked this pass: first time, spec changed, not Ready, or the resync period passed. */
function due(subset: CpcSubset, last: LastCheck | undefined, now: number, resyncMs: number): boolean {
  const ready = subset.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  return !last || !ready || last.generation !== subset.metadata.generation || now - last.at >= resyncMs * 0.9;
}

export async function observeSubset(
  d: CpcSubsetDeps,
  key: string,
  last: LastCheck | undefined,
): Promise<SubsetSnapshot> {
  const [ns = '', name = ''] = key.split('/');
  const subset = d.subsets.get(ns, name);
  if (!subset) return { kind: 'gone', key };
  if (subset.metadata.annotations?.['dpm.operator.dev/paused'] === 'true') return { kind: 'skip' };
  const now = (d.now ?? (() => new Date()))();
  const partitions = d.partitions.list(ns).filter((p) => p.spec.cpcSubsetRef.name === name);
  const snap = { kind: 'subset' as const, key, subset, partitions, now };
  if (last && !due(subset, last, now.getTime(), d.resyncMs))
    return { ...snap, hmc: { kind: 'not-due', last } };
  try {
    const conn = await d.connect(subset);
    const cpc = await findCpc(conn, subset);
    const owned = await conn.gateway.listPartitions(cpc['object-uri'], ownedPartitionNameFilter(name));
    // The list doubles as the safety net for notifications lost without a detectable gap.
    const drifted = conn.gateway.reconcileList(owned, (n) => isOwnedPartitionName(name, n));
    return { ...snap, hmc: { kind: 'checked', cpc, owned, drifted } };
  } catch (error) {
    return { ...snap, hmc: { kind: 'failed', error } };
  }
}

/** The CPC's properties: by object-id one request, by name two (the filtered list, then the CPC). */
async function findCpc(conn: HmcConnection, subset: CpcSubset): Promise<CpcProps> {
  const sel = subset.spec.cpc;
  const cpcs = conn.client.cpcs;
  if (sel.objectId) return (await cpcs.findByObjectId(sel.objectId)) as unknown as CpcProps;
  return (await cpcs.get((await cpcs.findByName(sel.name ?? ''))['object-uri'])) as unknown as CpcProps;
}
