// Act: performs the planned action: one HMC request or job submission (never waiting for the job), or one
// finalizer write. Returns what report must record; failures are values, not exceptions.
import { PLURAL, type PartitionStatus } from '../../crds/index.js';
import type { Reason } from '../../crds/reasons.js';
import type { CrObject, ObjectRef } from '../kube.js';
import { hbaHmcName, nicHmcName, normalizeMac } from '../naming.js';
import type { HmcGateway } from '../hmc-gateway.js';
import { fetchConsoleTail, withConsoleTail } from './console-tail.js';
import type { Action } from './model.js';
import { ANNOTATION_CREATE_ATTEMPTED, type PartitionDeps, type PartitionSnapshot } from './observe.js';

export interface EventNote {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export type ActResult =
  | {
      ok: true;
      /** Fields the action established (recorded by report in the same pass). */
      status?: Partial<PartitionStatus>;
      event?: EventNote;
      /** Replaces a wait's message (it carries what act found: the console tail). */
      message?: string;
      /** An HMC job ended in failure: reported with this reason and the HMC's message, then retried with backoff. */
      failure?: { reason: Reason; message: string };
    }
  | { ok: false; error: unknown };

const normal = (reason: string, message: string): EventNote => ({ type: 'Normal', reason, message });

function refOf(plural: string, o: CrObject): ObjectRef {
  return { plural, namespace: o.metadata.namespace ?? '', name: o.metadata.name ?? '' };
}

export async function act(action: Action, s: PartitionSnapshot, d: PartitionDeps): Promise<ActResult> {
  try {
    return await perform(action, s, d);
  } catch (error) {
    return { ok: false, error };
  }
}

async function perform(action: Action, s: PartitionSnapshot, d: PartitionDeps): Promise<ActResult> {
  const gw = s.gateway;
  const o = s.observed.kind === 'present' ? s.observed.partition : undefined;
  const puri = o?.uri ?? '';
  const self = refOf(PLURAL.Partition, s.cr);
  switch (action.kind) {
    case 'create-partition': {
      // Finalizer and "create attempted" go to the API server before the HMC sees the create: a lost answer
      // (timeout, crash) then leaves a record that makes deletion look the name up before letting go.
      await d.writer.addFinalizer(self, s.cr, { [ANNOTATION_CREATE_ATTEMPTED]: s.hmcName });
      const uri = await gw!.createPartition(s.cpcUri!, action.props);
      return {
        ok: true,
        status: { partitionUri: uri, hmcName: s.hmcName },
        event: normal('Created', `created HMC partition ${s.hmcName} (${uri})`),
      };
    }
    case 'add-finalizer':
      await d.writer.addFinalizer(self, s.cr);
      return { ok: true };
    case 'attach-storage-group':
      // The HMC creates the virtual storage resources (device numbers + virtual WWPNs) on attach.
      await gw!.attachStorageGroup(puri, action.uri);
      return { ok: true, event: normal('StorageGroupAttached', `attached storage group ${action.name}`) };
    case 'detach-storage-group':
      // Detached, never deleted: a shared group keeps serving its other partitions.
      await gw!.detachStorageGroup(puri, action.uri);
      return { ok: true, event: normal('StorageGroupDetached', `detached storage group ${action.name}`) };
    case 'update-partition':
      await gw!.update(puri, action.props);
      return {
        ok: true,
        event: normal('Updated', `updated ${Object.keys(action.props).join(', ')} (${action.why})`),
      };
    case 'start':
    case 'stop': {
      const uri = await gw!.submitJob(puri, action.kind);
      const why = action.kind === 'stop' ? ` (${action.why})` : '';
      return {
        ok: true,
        status: { pendingJob: { uri, operation: action.kind, submittedAt: s.now.toISOString() } },
        event: normal(
          action.kind === 'start' ? 'Starting' : 'Stopping',
          `submitted ${action.kind} job ${uri} for HMC partition ${o?.name}${why}`,
        ),
      };
    }
    case 'finish-job': {
      const { job, result } = action;
      gw!.observeJobEnd(job, result.state, s.now);
      if (result.state !== 'lost') await gw!.finishJob(job.uri);
      const done = { pendingJob: null };
      if (result.state === 'failed') {
        return {
          ok: true,
          status: done,
          failure: {
            reason: job.operation === 'start' ? 'StartFailed' : 'StopFailed',
            // The guest's own words (a kernel panic, no root device) next to the HMC's.
            message:
              job.operation === 'start'
                ? await withTail(gw!, puri || (s.cr.status?.partitionUri ?? ''), result.message)
                : result.message,
          },
        };
      }
      const past = job.operation === 'start' ? 'Started' : 'Stopped';
      return result.state === 'lost'
        ? { ok: true, status: done }
        : { ok: true, status: done, event: normal(past, `${job.operation} job ${job.uri} completed`) };
    }
    case 'delete-partition':
      await gw!.deletePartition(puri);
      return { ok: true, event: normal('Deleted', `deleted HMC partition ${o?.name}`) };
    case 'create-hba': {
      await ensureChildFinalizer(d, PLURAL.PartitionHba, s.hbas, action.hba.crName);
      const props: Record<string, string> = {
        name: action.hba.hmcName,
        'adapter-port-uri': action.hba.adapterPortUri,
      };
      if (action.hba.deviceNumber)
        props['device-number'] = action.hba.deviceNumber.toLowerCase().padStart(4, '0');
      const uri = await gw!.createHba(puri, props);
      return { ok: true, event: normal('HbaCreated', `created HBA ${action.hba.crName} (${uri})`) };
    }
    case 'create-nic': {
      await ensureChildFinalizer(d, PLURAL.PartitionNic, s.nics, action.nic.crName);
      const props: Record<string, string | number> = {
        name: action.nic.hmcName,
        description: action.nic.description,
        'virtual-switch-uri': action.nic.virtualSwitchUri,
        'device-number': action.deviceNumber,
        'mac-address': normalizeMac(action.nic.mac),
      };
      if (action.nic.vlanId !== undefined) {
        props['vlan-id'] = action.nic.vlanId;
        props['vlan-type'] = 'enforced';
      }
      const uri = await gw!.createNic(puri, props);
      return { ok: true, event: normal('NicCreated', `created NIC ${action.nic.crName} (${uri})`) };
    }
    case 'update-nic':
      await gw!.update(action.uri, action.props);
      return {
        ok: true,
        event: normal('NicUpdated', `updated NIC ${action.crName}: ${Object.keys(action.props).join(', ')}`),
      };
    case 'delete-hba':
    case 'delete-nic': {
      await gw!.deleteElement(action.uri);
      // A child CR being deleted is released once its HMC element is gone.
      const nic = action.kind === 'delete-nic';
      const children = nic
        ? s.nics.filter(
            (n) => n.metadata.deletionTimestamp && nicHmcName(n.metadata.uid ?? '') === action.name,
          )
        : s.hbas.filter(
            (h) => h.metadata.deletionTimestamp && hbaHmcName(h.metadata.uid ?? '') === action.name,
          );
      for (const c of children)
        await d.writer.removeFinalizer(refOf(nic ? PLURAL.PartitionNic : PLURAL.PartitionHba, c), c);
      return { ok: true, event: normal(nic ? 'NicDeleted' : 'HbaDeleted', `deleted ${action.name}`) };
    }
    case 'release': {
      await releaseAll(d, s);
      return action.orphan
        ? {
            ok: true,
            event: normal('Orphaned', `HMC partition ${s.hmcName} left in place (deletionPolicy Orphan)`),
          }
        : { ok: true };
    }
    case 'wait':
      return action.consoleTail
        ? { ok: true, message: await withTail(gw!, puri, action.message) }
        : { ok: true };
    case 'blocked':
    case 'retry':
    case 'in-sync':
      return { ok: true };
  }
}

/** `message` with the guest's last console lines (one List OS Messages; unchanged if there are none). */
async function withTail(gw: HmcGateway, partitionUri: string, message: string): Promise<string> {
  if (!partitionUri) return message;
  return withConsoleTail(
    message,
    await fetchConsoleTail({ list: (u) => gw.listOsMessages(u) }, partitionUri),
  );
}

async function ensureChildFinalizer(
  d: PartitionDeps,
  plural: string,
  list: readonly CrObject[],
  name: string,
): Promise<void> {
  const child = list.find((c) => c.metadata.name === name);
  if (child) await d.writer.addFinalizer(refOf(plural, child), child);
}

/** Removes our finalizer from the Partition's children, then from the Partition. */
async function releaseAll(
  d: PartitionDeps,
  s: { cr: CrObject; nics: CrObject[]; hbas: CrObject[] },
): Promise<void> {
  await releaseChildren(d, s.nics, s.hbas);
  await d.writer.removeFinalizer(refOf(PLURAL.Partition, s.cr), s.cr);
}

/** Children whose Partition is gone must not stay stuck on our finalizer. */
export async function releaseChildren(d: PartitionDeps, nics: CrObject[], hbas: CrObject[]): Promise<void> {
  for (const n of nics) await d.writer.removeFinalizer(refOf(PLURAL.PartitionNic, n), n);
  for (const h of hbas) await d.writer.removeFinalizer(refOf(PLURAL.PartitionHba, h), h);
}
