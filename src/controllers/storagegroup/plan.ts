// Plan (pure): the one next step for a StorageGroup, from its snapshot. Deletion: wait while Partitions
// list the group, detach what is still attached (one partition per step), then delete; only a group that
// carries our ownership marker is ever modified or deleted.
import type { StorageVolumeRequest } from '../../hmc/storage-group.js';
import type { Action, DesiredGroup, ObservedGroup } from './model.js';
import type { StorageGroupSnapshot } from './observe.js';

/** A group whose volumes wait for the SAN administrator is looked at again this often (safety net). */
export const FULFILLMENT_RECHECK_MS = 300_000;

export function planPass(s: StorageGroupSnapshot): Action {
  return s.deleting ? planDelete(s) : planApply(s);
}

function planDelete(s: StorageGroupSnapshot): Action {
  if (!s.hasFinalizer) return { kind: 'in-sync' };
  if (s.cr.spec.deletionPolicy === 'Orphan') return { kind: 'release', why: 'deletionPolicy Orphan' };
  if (!s.cr.status?.groupUri && s.observed.kind === 'not-needed' && !s.subset) {
    return { kind: 'release', why: 'never created on the HMC' };
  }
  if (s.usedBy.length > 0) {
    return {
      kind: 'wait',
      reason: 'StorageGroupInUse',
      message: `Partition(s) ${s.usedBy.join(', ')} still list this group in spec.storageGroups; remove it there first`,
    };
  }
  const pre = prerequisites(s);
  if (pre) return pre;
  const o = s.observed;
  switch (o.kind) {
    case 'absent':
      return { kind: 'release', why: 'the HMC group is gone' };
    case 'foreign':
      return { kind: 'release', why: `the HMC group ${o.uri} is not ours; left alone` };
    case 'unknown':
      return retryOf(o.error);
    case 'not-needed':
      return { kind: 'release', why: 'nothing on the HMC' };
    case 'present': {
      const first = o.group.attached[0];
      if (first) return { kind: 'detach', uri: o.group.uri, partition: first };
      return { kind: 'delete', uri: o.group.uri };
    }
  }
}

function retryOf(error: unknown): Action {
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'wait', reason: 'HmcUnreachable', message, recheckMs: 10_000 };
}

/** Why the HMC cannot be asked yet, as an action; undefined when it can. */
function prerequisites(s: StorageGroupSnapshot): Action | undefined {
  if (!s.subset) {
    return {
      kind: 'blocked',
      reason: 'CpcSubsetNotFound',
      message: `spec.cpcSubsetRef: CpcSubset ${s.cr.spec.cpcSubsetRef.name} not found`,
    };
  }
  if (!s.subsetReady) {
    return {
      kind: 'wait',
      reason: 'CpcSubsetNotReady',
      message: `CpcSubset ${s.subset.metadata.name} is not Ready`,
      recheckMs: 30_000,
    };
  }
  if (s.storageModel === 'Hbas') {
    return {
      kind: 'blocked',
      reason: 'StorageManagementNotAvailable',
      message: `the CPC of CpcSubset ${s.subset.metadata.name} has no dpm-storage-management (z13 or early z14): storage groups do not exist there; use PartitionHba`,
    };
  }
  return undefined;
}

function planApply(s: StorageGroupSnapshot): Action {
  if (!s.hasFinalizer) return { kind: 'add-finalizer' };
  const pre = prerequisites(s);
  if (pre) return pre;
  if (!s.desired) return { kind: 'in-sync' };
  if (!s.desired.ok) return { kind: 'blocked', reason: 'InvalidSpec', message: s.desired.message };
  const want = s.desired.value;
  const o = s.observed;
  switch (o.kind) {
    case 'unknown':
      return retryOf(o.error);
    case 'not-needed':
      return { kind: 'in-sync' };
    case 'absent':
      return { kind: 'create', desired: want };
    case 'foreign':
      return {
        kind: 'blocked',
        reason: 'StorageGroupNameConflict',
        message: `HMC storage group ${want.hmcName} exists but was not created for this StorageGroup; it is left alone`,
      };
    case 'present':
      return planPresent(want, o.group);
  }
}

function planPresent(want: DesiredGroup, g: ObservedGroup): Action {
  const settings: Record<string, unknown> = {};
  if (g.description !== want.description) settings.description = want.description;
  if (g.shared !== want.shared) settings.shared = want.shared;
  if (g.connectivity !== want.connectivity) settings.connectivity = want.connectivity;
  if (g.maxPartitions !== want.maxPartitions) settings['max-partitions'] = want.maxPartitions;
  const volumes = volumeRequests(want, g);
  if (Object.keys(settings).length > 0 || volumes.length > 0) {
    const why = [...Object.keys(settings), ...volumes.map((v) => `volume ${v.operation}`)].join(', ');
    return { kind: 'modify', uri: g.uri, settings, volumes, why };
  }
  const missing = want.candidatePortUris.filter((u) => !g.candidatePortUris.includes(u));
  if (missing.length > 0) return { kind: 'add-ports', uri: g.uri, portUris: missing };
  return planFulfillment(want, g) ?? { kind: 'in-sync' };
}

/** HMC volume states in which a Fulfill FCP Storage Volume request makes sense. */
const FULFILLABLE = new Set(['pending', 'pending-with-mismatches', 'incomplete']);

/**
 * The first volume with spec fcpFulfillment that the HMC does not report complete: one Fulfill FCP Storage
 * Volume request. The operation completes the volume before it answers, and the volumes are read again
 * after it, so a complete volume is never fulfilled twice. The boot port: the spec's, else the port of the
 * group's first path (a partition attached), else its first candidate port.
 */
export function planFulfillment(want: DesiredGroup, g: ObservedGroup): Action | undefined {
  for (const v of want.volumes) {
    const f = v.fcpFulfillment;
    const have = g.volumes.find((x) => x.name === v.name);
    if (!f || !have || !FULFILLABLE.has(have.fulfillmentState)) continue;
    const port = f.adapterPortUri ?? g.paths[0]?.adapterPortUri ?? g.candidatePortUris[0];
    if (!port) {
      return {
        kind: 'wait',
        reason: 'FulfillmentPending',
        message: `volume ${v.name}: spec.volumes[].fcpFulfillment.adapterPort is not set and the group has no path or candidate adapter port to boot through yet`,
        recheckMs: FULFILLMENT_RECHECK_MS,
      };
    }
    return {
      kind: 'fulfill',
      uri: g.uri,
      volumeUri: have.uri,
      volume: v.name,
      wwpn: f.wwpn,
      lun: f.lun,
      adapterPortUri: port,
    };
  }
  return undefined;
}

/** Create missing volumes, modify changed ones, delete the ones the spec dropped (the group is ours). */
export function volumeRequests(want: DesiredGroup, g: ObservedGroup): StorageVolumeRequest[] {
  const out: StorageVolumeRequest[] = [];
  for (const v of want.volumes) {
    const have = g.volumes.find((x) => x.name === v.name);
    if (!have) {
      out.push({
        operation: 'create',
        name: v.name,
        size: v.sizeGiB,
        usage: v.usage,
        ...(v.description ? { description: v.description } : {}),
      });
      continue;
    }
    const change: Record<string, unknown> = {};
    if (have.sizeGiB !== v.sizeGiB) change.size = v.sizeGiB;
    if (have.usage !== v.usage) change.usage = v.usage;
    if (have.description !== v.description) change.description = v.description;
    if (Object.keys(change).length > 0)
      out.push({ operation: 'modify', 'element-uri': have.uri, ...change } as StorageVolumeRequest);
  }
  for (const have of g.volumes) {
    if (!want.volumes.some((v) => v.name === have.name))
      out.push({ operation: 'delete', 'element-uri': have.uri });
  }
  return out;
}
