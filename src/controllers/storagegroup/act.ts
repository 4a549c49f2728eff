// Act: performs the planned StorageGroup action, one HMC request or one finalizer write. Failures are values.
import { PLURAL, type StorageGroupStatus } from '../../crds/index.js';
import { ANNOTATION_CREATE_ATTEMPTED } from '../partition/observe.js';
import type { Action } from './model.js';
import type { ObservedCache, StorageGroupDeps, StorageGroupSnapshot } from './observe.js';

export interface EventNote {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export type ActResult =
  | { ok: true; status?: Partial<StorageGroupStatus>; event?: EventNote; released?: boolean }
  | { ok: false; error: unknown };

const normal = (reason: string, message: string): EventNote => ({ type: 'Normal', reason, message });

export async function act(
  action: Action,
  s: StorageGroupSnapshot,
  d: StorageGroupDeps,
  cache: ObservedCache,
): Promise<ActResult> {
  try {
    return await perform(action, s, d, cache);
  } catch (error) {
    // A failed change leaves the group's state unknown: it is read again next pass.
    if ('uri' in action) cache.invalidate(action.uri);
    return { ok: false, error };
  }
}

async function perform(
  action: Action,
  s: StorageGroupSnapshot,
  d: StorageGroupDeps,
  cache: ObservedCache,
): Promise<ActResult> {
  const self = {
    plural: PLURAL.StorageGroup,
    namespace: s.cr.metadata.namespace ?? '',
    name: s.cr.metadata.name ?? '',
  };
  const hmc = s.client;
  switch (action.kind) {
    case 'in-sync':
    case 'blocked':
    case 'wait':
      return { ok: true };
    case 'add-finalizer':
      // Before the first HMC side effect: a group created later is never lost to a deletion.
      await d.writer.addFinalizer(self, s.cr);
      return { ok: true };
    case 'release': {
      const released = await d.writer.removeFinalizer(self, s.cr);
      return { ok: true, released, ...(released ? { event: normal('Released', action.why) } : {}) };
    }
    case 'create': {
      const w = action.desired;
      // Not idempotent: "create attempted" is recorded first, so that after a lost answer the next pass (and
      // only then) finds the group by its deterministic name.
      await d.writer.addFinalizer(self, s.cr, { [ANNOTATION_CREATE_ATTEMPTED]: w.hmcName });
      const { uri, volumeUris } = await hmc!.storageGroups.createWithVolumes({
        name: w.hmcName,
        'cpc-uri': s.cpcUri!,
        type: 'fcp',
        description: w.description,
        shared: w.shared,
        connectivity: w.connectivity,
        'max-partitions': w.maxPartitions,
        'storage-volumes': w.volumes.map((v) => ({
          operation: 'create' as const,
          name: v.name,
          size: v.sizeGiB,
          usage: v.usage,
          ...(v.description ? { description: v.description } : {}),
        })),
      });
      cache.created(uri, w, volumeUris); // the answer tells all a read would: no read follows
      return {
        ok: true,
        status: { groupUri: uri, hmcName: w.hmcName },
        event: normal(
          'Created',
          `created HMC storage group ${w.hmcName} (${uri}) with ${w.volumes.length} volume(s); the storage administrator is asked to fulfill them`,
        ),
      };
    }
    case 'modify': {
      const created = await hmc!.storageGroups.modify(action.uri, {
        ...action.settings,
        ...(action.volumes.length ? { 'storage-volumes': action.volumes } : {}),
      });
      cache.modified(action.uri, action.settings, action.volumes, created);
      return { ok: true, event: normal('Updated', `modified the HMC storage group: ${action.why}`) };
    }
    case 'add-ports':
      await hmc!.storageGroups.addCandidatePorts(action.uri, action.portUris);
      cache.portsAdded(action.uri, action.portUris);
      return {
        ok: true,
        event: normal('Updated', `added candidate adapter port(s) ${action.portUris.join(', ')}`),
      };
    case 'fulfill':
      await hmc!.storageVolumes.fulfillFcp(action.volumeUri, {
        wwpn: action.wwpn,
        lun: action.lun,
        adapterPortUri: action.adapterPortUri,
      });
      cache.fulfilled(action.uri);
      return {
        ok: true,
        event: normal(
          'Fulfilled',
          `reported volume ${action.volume} fulfilled on the HMC: target WWPN ${action.wwpn}, LUN ${action.lun}, boot port ${action.adapterPortUri}`,
        ),
      };
    case 'detach':
      await hmc!.storageGroups.detach(action.partition.uri, action.uri);
      cache.detached(action.uri, action.partition.uri);
      return {
        ok: true,
        event: normal(
          'Detached',
          `detached the group from HMC partition ${action.partition.name} before delete`,
        ),
      };
    case 'delete':
      await hmc!.storageGroups.delete(action.uri);
      cache.deleted(action.uri);
      return {
        ok: true,
        status: { groupUri: undefined },
        event: normal('Deleted', `deleted HMC storage group ${action.uri}`),
      };
  }
}
