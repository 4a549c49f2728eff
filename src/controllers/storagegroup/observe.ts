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
import { ANNOTATION_CREATE_ATTEMPTED } from '../partition/observe.js';
import { isOwnedStorageGroup, storageGroupDescription, storageGroupHmcName } from '../naming.js';
import type { EventSink, ReadCache } from '../outcome.js';
import { ObservedCache, type Part } from './cache.js';
import type { DesiredGroup, Observed, ObservedGroup, ObservedPath } from './model.js';

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

export { ObservedCache, storageGroupUriOf } from './cache.js';

/** The HMC name of a partition this operator manages, from its Partition's status (no HMC request). */
function hmcNameOf(partitions: readonly Partition[], partitionUri: string): string | undefined {
  return partitions.find((p) => p.status?.partitionUri === partitionUri)?.status?.hmcName;
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
    snap.observed = await observeGroup(snap.client, cache, snap, subset.metadata.name ?? '', (uri) =>
      hmcNameOf(d.partitions.list(), uri),
    );
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
  nameOf: (partitionUri: string) => string | undefined,
): Promise<Observed> {
  const hmcName = storageGroupHmcName(subsetName, s.cr.metadata.uid ?? '');
  const recorded = s.cr.status?.groupUri;
  const mine = cache.uriOfName(hmcName);
  // A group this process deleted is absent, unless it created one again since (status may lag a pass).
  if (recorded && cache.wasDeleted(recorded) && !mine) return { kind: 'absent' };
  const known = recorded && !cache.wasDeleted(recorded) ? recorded : mine;
  if (known) {
    const cached = cache.get(known);
    if (cached) return { kind: 'present', group: cached };
    try {
      return { kind: 'present', group: await refresh(client, cache, known, nameOf) };
    } catch (e) {
      if (!isNotFound(e)) throw e;
      cache.invalidate(known);
      // Deleted behind our back (or by our own earlier pass): look it up by name below.
    }
  }
  // Without a recorded URI only a create that was sent (annotation) can have left a group on the HMC.
  if (!recorded && !s.cr.metadata.annotations?.[ANNOTATION_CREATE_ATTEMPTED]) return { kind: 'absent' };
  const found = await client.storageGroups.tryFindByName(s.cpcUri ?? '', hmcName);
  if (!found) return { kind: 'absent' };
  const group = await refresh(client, cache, found['object-uri'], nameOf);
  if (!isOwnedStorageGroup(group, subsetName, s.cr.metadata.uid ?? '')) {
    cache.invalidate(group.uri);
    return { kind: 'foreign', uri: group.uri };
  }
  return { kind: 'present', group };
}

const ALL_PARTS: readonly Part[] = ['group', 'volumes', 'paths'];

/**
 * Reads what the cache cannot tell: a group never seen reads the group and its volumes (2 requests) and,
 * when attached, its VSRs (1); a cached group reads only its stale parts. Attached partitions are named
 * from what is known (the Partitions' status, the previous read); Get Partitions only for a stranger.
 */
async function refresh(
  client: HmcClient,
  cache: ObservedCache,
  uri: string,
  nameOf: (partitionUri: string) => string | undefined,
): Promise<ObservedGroup> {
  const prev = cache.peek(uri);
  const stale = prev?.stale ?? new Set(ALL_PARTS);
  let group: ObservedGroup;
  let attachedAny = (prev?.group.paths.length ?? 0) > 0;
  if (!prev || stale.has('group')) {
    const g = await client.storageGroups.get(uri);
    attachedAny = (g['virtual-storage-resource-uris'] ?? []).length > 0;
    group = {
      uri,
      name: String(g.name ?? ''),
      description: String(g.description ?? ''),
      shared: g.shared === true,
      connectivity: Number(g.connectivity ?? 0),
      maxPartitions: Number(g['max-partitions'] ?? 0),
      fulfillmentState: (g['fulfillment-state'] ?? 'pending') as FulfillmentState,
      candidatePortUris: [...(g['candidate-adapter-port-uris'] ?? [])],
      volumes: prev?.group.volumes ?? [],
      paths: prev?.group.paths ?? [],
      attached: prev?.group.attached ?? [],
    };
  } else group = { ...prev.group };
  if (stale.has('volumes')) {
    const volumes = await client.storageVolumes.list(uri, ['description', 'uuid']);
    group.volumes = volumes.map((v) => ({
      uri: v['element-uri'],
      name: String(v.name ?? ''),
      sizeGiB: Number(v.size ?? 0),
      usage: (v.usage ?? 'data') as VolumeUsage,
      description: String(v.description ?? ''),
      fulfillmentState: (v['fulfillment-state'] ?? 'pending') as FulfillmentState,
      ...(v.uuid ? { uuid: v.uuid } : {}),
    }));
  }
  if (stale.has('paths') && (prev || attachedAny)) {
    const vsrs = await client.virtualStorageResources.list(uri, {}, ['world-wide-port-name']);
    const paths: ObservedPath[] = vsrs.map((r) => ({
      uri: r['element-uri'],
      partitionUri: String(r['partition-uri'] ?? ''),
      deviceNumber: String(r['device-number'] ?? ''),
      wwpn: String(r['world-wide-port-name'] ?? ''),
      adapterPortUri: String(r['adapter-port-uri'] ?? ''),
    }));
    group = { ...group, paths, attached: await attachedOf(client, uri, paths, group.attached, nameOf) };
  }
  cache.set(group, prev ? [...stale] : undefined);
  return group;
}

/** The partitions with paths in the group, named without a request where the name is known. */
async function attachedOf(
  client: HmcClient,
  groupUri: string,
  paths: readonly ObservedPath[],
  before: ObservedGroup['attached'],
  nameOf: (partitionUri: string) => string | undefined,
): Promise<ObservedGroup['attached']> {
  const uris = [...new Set(paths.map((p) => p.partitionUri))];
  const named = uris.map((u) => ({ uri: u, name: before.find((a) => a.uri === u)?.name ?? nameOf(u) }));
  if (named.every((a) => a.name !== undefined)) return named.map((a) => ({ uri: a.uri, name: a.name! }));
  const parts = await client.storageGroups.attachedPartitions(groupUri);
  return parts.map((p) => ({ uri: p['object-uri'], name: p.name }));
}
