// Observe one StorageGroup pass: the CR, its CpcSubset and the Partitions that reference it from the informer
// caches; the HMC group from the reconciler's cache, which HMC notifications (property and inventory changes
// of the group, its volumes and VSRs) invalidate. A pass with a valid cache asks the HMC nothing.
import type { Logger } from 'pino';
import {
  ANNOTATION_PAUSED,
  FINALIZER,
  type CpcSubset,
  type FulfillmentState,
  type Partition,
  type StorageGroup,
  type VolumeUsage,
} from '../../crds/index.js';
import type { HmcClient } from '../../hmc/client.js';
import { isNotFound } from '../../hmc/errors.js';
import type { KubeWriter } from '../kube.js';
import { isOwnedStorageGroup, storageGroupDescription, storageGroupHmcName } from '../naming.js';
import type { EventSink, ReadCache } from '../outcome.js';
import type { DesiredGroup, Observed, ObservedGroup } from './model.js';

export interface StorageGroupDeps {
  storageGroups: ReadCache<StorageGroup>;
  subsets: ReadCache<CpcSubset>;
  partitions: ReadCache<Partition>;
  clientFor(subset: CpcSubset): Promise<HmcClient>;
  writer: KubeWriter;
  events: EventSink;
  log: Logger;
  now?: () => Date;
}

export type Resolved<T> = { ok: true; value: T } | { ok: false; message: string };

export interface StorageGroupSnapshot {
  kind: 'storage-group';
  key: string;
  cr: StorageGroup;
  subset: CpcSubset | undefined;
  subsetReady: boolean;
  storageModel: 'StorageGroups' | 'Hbas' | undefined;
  deleting: boolean;
  hasFinalizer: boolean;
  /** Partitions (same namespace) that list this StorageGroup in spec.storageGroups. */
  usedBy: string[];
  desired: Resolved<DesiredGroup> | undefined;
  observed: Observed;
  now: Date;
  /** Handles for act, not data the plan reads. */
  client: HmcClient | undefined;
  cpcUri: string | undefined;
}

export type Snapshot = { kind: 'skip' } | { kind: 'gone'; key: string } | StorageGroupSnapshot;

/** The observed HMC group by group URI, valid until a notification about the group (or a write) drops it. */
export class ObservedCache {
  private readonly byUri = new Map<string, ObservedGroup>();
  get(uri: string): ObservedGroup | undefined {
    return this.byUri.get(uri);
  }
  set(g: ObservedGroup): void {
    this.byUri.set(g.uri, g);
  }
  invalidate(uri: string | undefined): void {
    if (uri === undefined) this.byUri.clear();
    else this.byUri.delete(uri);
  }
}

/** The storage group URI of a group, volume or VSR URI; undefined for other URIs. */
export function storageGroupUriOf(uri: string): string | undefined {
  return /^\/api\/storage-groups\/[^/]+/.exec(uri)?.[0];
}

const portUri = (p: { adapterObjectId: string; port: number }): string =>
  `/api/adapters/${p.adapterObjectId}/storage-ports/${p.port}`;

/** Desired state, or the first field the subset does not allow (a message naming it). */
export function resolveDesired(cr: StorageGroup, subset: CpcSubset): Resolved<DesiredGroup> {
  const allowed = new Set((subset.spec.storageAdapterPorts ?? []).map(portUri));
  const ports = cr.spec.candidateAdapterPorts ?? [];
  for (const [i, p] of ports.entries()) {
    if (!allowed.has(portUri(p))) {
      return {
        ok: false,
        message: `spec.candidateAdapterPorts[${i}] (adapter ${p.adapterObjectId} port ${p.port}) is not in CpcSubset ${subset.metadata.name} spec.storageAdapterPorts`,
      };
    }
  }
  for (const [i, v] of (cr.spec.volumes ?? []).entries()) {
    const p = v.fcpFulfillment?.adapterPort;
    if (p && !allowed.has(portUri(p))) {
      return {
        ok: false,
        message: `spec.volumes[${i}].fcpFulfillment.adapterPort (adapter ${p.adapterObjectId} port ${p.port}) is not in CpcSubset ${subset.metadata.name} spec.storageAdapterPorts`,
      };
    }
  }
  const subsetName = subset.metadata.name ?? '';
  const uid = cr.metadata.uid ?? '';
  return {
    ok: true,
    value: {
      hmcName: storageGroupHmcName(subsetName, uid),
      description: storageGroupDescription(subsetName, uid, cr.spec.description),
      shared: cr.spec.shared ?? false,
      connectivity: cr.spec.connectivity ?? 2,
      maxPartitions: cr.spec.maxPartitions ?? 1,
      volumes: (cr.spec.volumes ?? []).map((v) => ({
        name: v.name,
        sizeGiB: v.sizeGiB,
        usage: v.usage ?? 'data',
        description: v.description ?? '',
        ...(v.fcpFulfillment
          ? {
              fcpFulfillment: {
                wwpn: v.fcpFulfillment.targetWwpn.toLowerCase(),
                lun: v.fcpFulfillment.lun.toLowerCase().padStart(16, '0'),
                ...(v.fcpFulfillment.adapterPort
                  ? { adapterPortUri: portUri(v.fcpFulfillment.adapterPort) }
                  : {}),
              },
            }
          : {}),
      })),
      candidatePortUris: ports.map(portUri),
    },
  };
}

export async function observe(d: StorageGroupDeps, cache: ObservedCache, key: string): Promise<Snapshot> {
  const [ns = '', name = ''] = key.split('/');
  const cr = d.storageGroups.get(ns, name);
  if (!cr) return { kind: 'gone', key };
  if (cr.metadata.annotations?.[ANNOTATION_PAUSED] === 'true') return { kind: 'skip' };
  const subset = d.subsets.get(ns, cr.spec.cpcSubsetRef.name);
  const cpcUri = subset?.status?.cpcUri;
  const subsetReady = Boolean(
    cpcUri && subset?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  const deleting = Boolean(cr.metadata.deletionTimestamp);
  const hasFinalizer = Boolean(cr.metadata.finalizers?.includes(FINALIZER));
  const snap: StorageGroupSnapshot = {
    kind: 'storage-group',
    key,
    cr,
    subset,
    subsetReady,
    storageModel: subset?.status?.storageModel,
    deleting,
    hasFinalizer,
    usedBy: d.partitions
      .list(ns)
      .filter((p) => (p.spec.storageGroups ?? []).some((g) => g.storageGroupRef?.name === name))
      .map((p) => p.metadata.name ?? ''),
    desired: subset ? resolveDesired(cr, subset) : undefined,
    observed: { kind: 'not-needed' },
    now: (d.now ?? (() => new Date()))(),
    client: undefined,
    cpcUri,
  };
  // Deleting a group that never reached the HMC, or one we leave there, needs no HMC at all.
  const mayExist = Boolean(cr.status?.groupUri) || hasFinalizer;
  if (deleting && (!mayExist || cr.spec.deletionPolicy === 'Orphan' || !hasFinalizer)) return snap;
  if (!deleting && !hasFinalizer) return snap; // the finalizer comes first
  if (!subset || !cpcUri || !subsetReady || snap.storageModel === 'Hbas') return snap;
  if (!deleting && snap.desired && !snap.desired.ok) return snap;
  try {
    snap.client = await d.clientFor(subset);
    snap.observed = await observeGroup(snap.client, cache, snap, subset.metadata.name ?? '');
  } catch (error) {
    snap.observed = { kind: 'unknown', error };
  }
  return snap;
}

async function observeGroup(
  client: HmcClient,
  cache: ObservedCache,
  s: StorageGroupSnapshot,
  subsetName: string,
): Promise<Observed> {
  const known = s.cr.status?.groupUri;
  if (known) {
    const cached = cache.get(known);
    if (cached) return { kind: 'present', group: cached };
    try {
      return present(await read(client, known), cache);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      // Deleted behind our back (or by our own earlier pass): look it up by name below.
    }
  }
  const hmcName = storageGroupHmcName(subsetName, s.cr.metadata.uid ?? '');
  const found = await client.storageGroups.tryFindByName(s.cpcUri ?? '', hmcName);
  if (!found) return { kind: 'absent' };
  const group = await read(client, found['object-uri']);
  if (!isOwnedStorageGroup(group, subsetName, s.cr.metadata.uid ?? '')) {
    return { kind: 'foreign', uri: group.uri };
  }
  return present(group, cache);
}

function present(group: ObservedGroup, cache: ObservedCache): Observed {
  cache.set(group);
  return { kind: 'present', group };
}

/** The group, its volumes, and (only when attached) its VSRs and partitions: 2 requests, 4 when attached. */
async function read(client: HmcClient, uri: string): Promise<ObservedGroup> {
  const g = await client.storageGroups.get(uri);
  const volumes = await client.storageVolumes.list(uri, ['description', 'uuid']);
  const attachedAny = (g['virtual-storage-resource-uris'] ?? []).length > 0;
  const [vsrs, parts] = attachedAny
    ? await Promise.all([
        client.virtualStorageResources.list(uri, {}, ['world-wide-port-name']),
        client.storageGroups.attachedPartitions(uri),
      ])
    : [[], []];
  return {
    uri,
    name: String(g.name ?? ''),
    description: String(g.description ?? ''),
    shared: g.shared === true,
    connectivity: Number(g.connectivity ?? 0),
    maxPartitions: Number(g['max-partitions'] ?? 0),
    fulfillmentState: (g['fulfillment-state'] ?? 'pending') as FulfillmentState,
    candidatePortUris: [...(g['candidate-adapter-port-uris'] ?? [])],
    volumes: volumes.map((v) => ({
      uri: v['element-uri'],
      name: String(v.name ?? ''),
      sizeGiB: Number(v.size ?? 0),
      usage: (v.usage ?? 'data') as VolumeUsage,
      description: String(v.description ?? ''),
      fulfillmentState: (v['fulfillment-state'] ?? 'pending') as FulfillmentState,
      ...(v.uuid ? { uuid: v.uuid } : {}),
    })),
    paths: vsrs.map((r) => ({
      uri: r['element-uri'],
      partitionUri: String(r['partition-uri'] ?? ''),
      deviceNumber: String(r['device-number'] ?? ''),
      wwpn: String(r['world-wide-port-name'] ?? ''),
      adapterPortUri: String(r['adapter-port-uri'] ?? ''),
    })),
    attached: parts.map((p) => ({ uri: p['object-uri'], name: p.name })),
  };
}
