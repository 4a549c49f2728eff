// Report: the only writer of StorageGroup status, once per pass after the action. Events: the action's, a
// Warning when a refusal is new, and one Event when fulfillment becomes pending (naming the volumes and the
// WWPNs to zone) or complete, never one per pass.
import { PLURAL, setCondition, type StorageGroupStatus } from '../../crds/index.js';
import type { Reason } from '../../crds/reasons.js';
import { HmcHttpError } from '../../hmc/errors.js';
import { isConflict } from '../kube.js';
import type { ActResult } from './act.js';
import type { Action, ObservedGroup } from './model.js';
import type { StorageGroupDeps, StorageGroupSnapshot } from './observe.js';
import { sameJson } from '../same-json.js';

type Cond = [status: 'True' | 'False', reason: Reason, message: string];

const PROGRESS: Partial<Record<Action['kind'], [Reason, string]>> = {
  create: ['Creating', 'creating the HMC storage group'],
  modify: ['Configuring', 'modifying the HMC storage group'],
  'add-ports': ['Configuring', 'adding candidate adapter ports'],
  fulfill: ['Configuring', 'reporting a volume fulfilled (Fulfill FCP Storage Volume)'],
  detach: ['Deleting', 'detaching the group before deleting it'],
  delete: ['Deleting', 'deleting the HMC storage group'],
  'add-finalizer': ['Pending', 'not on the HMC yet'],
};

/** The pending volumes of a group, as one sentence for the SAN administrator. */
export function pendingMessage(g: ObservedGroup): string {
  const pending = g.volumes.filter((v) => v.fulfillmentState !== 'complete').map((v) => v.name);
  const wwpns = [...new Set(g.paths.map((p) => p.wwpn).filter(Boolean))];
  const zone = wwpns.length
    ? `zone the virtual WWPN(s) ${wwpns.join(', ')} to the storage and map the LUNs to them`
    : 'the virtual WWPNs to zone appear in status.paths once a partition attaches the group';
  return `fulfillment ${g.fulfillmentState}: volume(s) ${pending.join(', ') || '(none)'} wait for the SAN administrator: create the LUN(s), ${zone}`;
}

function readyOf(s: StorageGroupSnapshot, action: Action, result: ActResult): Cond {
  if (!result.ok) {
    const reason: Reason = result.error instanceof HmcHttpError ? 'HmcError' : 'HmcUnreachable';
    return ['False', reason, result.error instanceof Error ? result.error.message : String(result.error)];
  }
  if (action.kind === 'blocked' || action.kind === 'wait') return ['False', action.reason, action.message];
  const progress = PROGRESS[action.kind];
  if (progress) return ['False', progress[0], progress[1]];
  if (s.observed.kind === 'present') {
    const g = s.observed.group;
    return g.fulfillmentState === 'complete'
      ? ['True', 'Available', `HMC storage group ${g.name} complete`]
      : ['False', 'FulfillmentPending', pendingMessage(g)];
  }
  const prev = s.cr.status?.conditions?.find((c) => c.type === 'Ready');
  return [
    (prev?.status as 'True' | 'False' | undefined) ?? 'False',
    (prev?.reason as Reason | undefined) ?? 'Pending',
    prev?.message ?? '',
  ];
}

function observedStatus(g: ObservedGroup): Partial<StorageGroupStatus> {
  const names = new Map(g.attached.map((p) => [p.uri, p.name]));
  return {
    groupUri: g.uri,
    hmcName: g.name,
    fulfillmentState: g.fulfillmentState,
    volumes: g.volumes.map((v) => ({
      name: v.name,
      uri: v.uri,
      fulfillmentState: v.fulfillmentState,
      usage: v.usage,
      sizeGiB: Math.round(v.sizeGiB),
      ...(v.uuid ? { uuid: v.uuid } : {}),
    })),
    paths: g.paths.map((p) => ({
      partition: names.get(p.partitionUri) ?? p.partitionUri,
      deviceNumber: p.deviceNumber,
      wwpn: p.wwpn,
      adapterPortUri: p.adapterPortUri,
    })),
    attachedPartitions: g.attached,
  };
}

export async function report(
  d: StorageGroupDeps,
  s: StorageGroupSnapshot,
  action: Action,
  result: ActResult,
): Promise<void> {
  const cr = s.cr;
  if (result.ok && result.event) {
    const e = result.event;
    if (e.type === 'Normal') d.events.normal(cr, e.reason, e.message);
    else d.events.warning(cr, e.reason, e.message);
  }
  if (result.ok && result.released) return; // the object is going away: nothing left to report on
  if (!result.ok && isConflict(result.error)) return;
  const prev = cr.status ?? {};
  const [status, reason, message] = readyOf(s, action, result);
  const prevReady = prev.conditions?.find((c) => c.type === 'Ready');
  if (status === 'False' && (action.kind === 'blocked' || !result.ok) && prevReady?.message !== message) {
    d.events.warning(cr, reason, message);
  }
  const observed = s.observed.kind === 'present' ? observedStatus(s.observed.group) : {};
  // Fulfillment Events on a change only (the status carries the previous state between passes).
  if (s.observed.kind === 'present') {
    const g = s.observed.group;
    const pendingNow = g.volumes.filter((v) => v.fulfillmentState !== 'complete').map((v) => v.name);
    const pendingBefore = (prev.volumes ?? [])
      .filter((v) => v.fulfillmentState !== 'complete')
      .map((v) => v.name);
    if (pendingNow.length > 0 && pendingNow.join() !== pendingBefore.join()) {
      d.events.normal(cr, 'FulfillmentPending', pendingMessage(g));
    } else if (g.fulfillmentState === 'complete' && prev.fulfillmentState !== 'complete') {
      d.events.normal(cr, 'FulfillmentComplete', `every volume of HMC storage group ${g.name} is complete`);
    }
  }
  const now = s.now;
  let conditions = setCondition(
    prev.conditions,
    { type: 'Ready', status, reason, message, observedGeneration: cr.metadata.generation },
    now,
  );
  conditions = setCondition(
    conditions,
    result.ok
      ? {
          type: 'Synced',
          status: 'True',
          reason: 'ReconcileSuccess',
          message: '',
          observedGeneration: cr.metadata.generation,
        }
      : { type: 'Synced', status: 'False', reason, message, observedGeneration: cr.metadata.generation },
    now,
  );
  const next: StorageGroupStatus = {
    ...observed,
    ...(result.ok ? result.status : {}),
    observedGeneration: cr.metadata.generation,
    conditions,
  };
  if (unchangedBy(prev, next)) return; // an unchanged status costs no write
  await d.writer.patchStatus(
    { plural: PLURAL.StorageGroup, namespace: cr.metadata.namespace ?? '', name: cr.metadata.name ?? '' },
    next,
  );
}

/** Whether merge-patching `patch` onto `current` would change nothing. */
function unchangedBy(current: StorageGroupStatus, patch: StorageGroupStatus): boolean {
  return sameJson({ ...current, ...patch }, current);
}
