// Report: the only writer of Partition, PartitionNic and PartitionHba status, once per pass and after the
// action. Emits the Events: the action's, and a Warning whenever a failure or a refusal is new.
import {
  ANNOTATION_RECONCILE_REQUESTED_AT,
  PLURAL,
  setCondition,
  type Condition,
  type PartitionHba,
  type PartitionNic,
  type PartitionPhase,
  type PartitionStatus,
} from '../../crds/index.js';
import type { Reason } from '../../crds/reasons.js';
import { HmcHttpError } from '../../hmc/errors.js';
import { isConflict, type CrObject } from '../kube.js';
import { hbaHmcName, nicHmcName, normalizeMac } from '../naming.js';
import type { ActResult } from './act.js';
import type { Action, ObservedPartition } from './model.js';
import type { PartitionDeps, PartitionSnapshot, Snapshot } from './observe.js';
import { sameJson } from '../same-json.js';

type CondSpec = [type: 'Ready' | 'Synced', status: 'True' | 'False', reason: Reason, message: string];

/** What a pass ended with, as report and the outcome mapping see it. */
export type PassResult = { action: Action; result: ActResult };

/** Why an action failed, in catalogue terms; undefined = a conflict nobody needs to hear about. */
export function failureReason(error: unknown): Reason | undefined {
  if (isConflict(error)) return undefined;
  return error instanceof HmcHttpError ? 'HmcError' : 'HmcUnreachable';
}

/** Progress messages stay the same through a phase (each change of status is one more API write). */
const PROGRESS: Partial<Record<Reason, string>> = {
  Creating: 'creating the HMC partition',
  Configuring: 'applying properties, HBAs, NICs and boot settings on the HMC',
  Starting: 'start job submitted',
  Stopping: 'stop job submitted',
  Deleting: 'stopping and deleting the HMC partition',
};

const PHASE_OF_ACTION: Partial<Record<Action['kind'], PartitionPhase>> = {
  'create-partition': 'Creating',
  start: 'Starting',
  stop: 'Stopping',
  'update-partition': 'Configuring',
  'create-hba': 'Configuring',
  'delete-hba': 'Configuring',
  'create-nic': 'Configuring',
  'update-nic': 'Configuring',
  'delete-nic': 'Configuring',
};

function phaseOf(s: PartitionSnapshot, action: Action, o: ObservedPartition | undefined): PartitionPhase {
  if (s.deleting) return 'Deleting';
  const byAction = PHASE_OF_ACTION[action.kind];
  if (byAction) return byAction;
  const job =
    action.kind === 'wait' && action.reason === 'WaitingForJob' ? s.job?.pending.operation : undefined;
  if (job) return job === 'start' ? 'Starting' : 'Stopping';
  const st = o?.status;
  if (st === 'starting') return 'Starting';
  if (st === 'stopping') return 'Stopping';
  if (st === 'active' || st === 'degraded' || st === 'paused')
    return action.kind === 'blocked' ? 'Failed' : 'Running';
  if (st === 'stopped' || st === 'reservation-error') return 'Stopped';
  if (st === 'terminated') return 'Failed';
  if (action.kind === 'blocked' && !s.cr.status?.partitionUri) return 'Failed';
  return s.cr.status?.phase ?? 'Pending';
}

function powerStateOf(st: string | undefined): PartitionStatus['powerState'] {
  if (st === 'active' || st === 'degraded') return 'Active';
  if (st === 'stopped' || st === 'paused' || st === 'reservation-error') return 'Stopped';
  if (st === 'starting' || st === 'stopping') return 'Transitioning';
  return 'Unknown';
}

/** Ready/Synced for the pass, plus a Warning event when the problem is new. */
function conditionsOf(
  s: PartitionSnapshot,
  { action, result }: PassResult,
  phase: PartitionPhase,
): { conds: CondSpec[]; warning?: { reason: Reason; message: string }; failed: boolean } {
  if (!result.ok) {
    const reason = failureReason(result.error) ?? 'Conflict';
    const message = result.error instanceof Error ? result.error.message : String(result.error);
    return { conds: [['Synced', 'False', reason, message]], warning: { reason, message }, failed: true };
  }
  if (result.failure) {
    const { reason, message } = result.failure;
    return {
      conds: [
        ['Ready', 'False', reason, message],
        ['Synced', 'False', reason, message],
      ],
      warning: { reason, message },
      failed: true,
    };
  }
  switch (action.kind) {
    case 'in-sync': {
      const o = s.observed.kind === 'present' ? s.observed.partition : undefined;
      return {
        conds: [
          ['Ready', 'True', 'Available', `HMC status ${o?.status ?? 'none'}`],
          ['Synced', 'True', 'ReconcileSuccess', 'in sync with the HMC'],
        ],
        failed: false,
      };
    }
    case 'blocked':
      return {
        conds: [
          ['Ready', 'False', action.reason, action.message],
          ['Synced', 'False', action.reason, action.message],
        ],
        warning: { reason: action.reason, message: action.message },
        failed: false,
      };
    case 'retry':
      return {
        conds: [['Synced', 'False', action.reason, action.message]],
        warning: { reason: action.reason, message: action.message },
        failed: true,
      };
    case 'wait': {
      const message = (result.ok && result.message) || action.message;
      return {
        conds: [
          ['Ready', 'False', action.reason, message],
          ['Synced', 'True', 'ReconcileSuccess', `waiting: ${message}`],
        ],
        // A wait worth a Warning: a start that takes long, with the console tail.
        ...(action.consoleTail ? { warning: { reason: action.reason, message } } : {}),
        failed: false,
      };
    }
    default: {
      const reason: Reason =
        phase === 'Running' || phase === 'Stopped' || phase === 'Failed' ? 'Configuring' : phase;
      return {
        conds: [
          ['Ready', 'False', reason, PROGRESS[reason] ?? 'in progress'],
          ['Synced', 'True', 'ReconcileSuccess', 'in progress'],
        ],
        failed: false,
      };
    }
  }
}

function withConditions(
  obj: CrObject & { status?: { conditions?: Condition[] } },
  list: CondSpec[],
  now: Date,
): Condition[] {
  let out = obj.status?.conditions;
  for (const [type, status, reason, message] of list) {
    out = setCondition(
      out,
      { type, status, reason, message, observedGeneration: obj.metadata.generation },
      now,
    );
  }
  return out ?? [];
}

const stripTime = (cs: Condition[] | undefined): unknown => cs?.map(({ lastTransitionTime: _t, ...r }) => r);

/**
 * True when merging `next` into `current` changes nothing (ignoring lastTransitionTime). Compared as JSON
 * values, not strings: the API server returns a custom resource's fields in its own (sorted) key order, so a
 * string comparison saw a change in every pass and rewrote the same status again and again.
 */
function unchanged(current: object | undefined, next: { conditions?: Condition[] }): boolean {
  const cur = (current ?? {}) as Record<string, unknown> & { conditions?: Condition[] };
  const merged = { ...cur, ...next } as Record<string, unknown>;
  for (const [k, v] of Object.entries(next)) if (v === null) delete merged[k];
  const norm = (x: Record<string, unknown> & { conditions?: Condition[] }): unknown => ({
    ...x,
    conditions: stripTime(x.conditions),
  });
  return sameJson(norm(cur), norm(merged as typeof cur));
}

export async function report(d: PartitionDeps, s: Snapshot, pass: PassResult): Promise<void> {
  if (s.kind === 'skip') return;
  if (s.kind === 'gone') return reportGone(d, s);
  const { action, result } = pass;
  if (!result.ok && failureReason(result.error) === undefined) return; // a conflict: the retry reports
  if (action.kind === 'release') {
    if (result.ok && result.event) d.events.normal(s.cr, result.event.reason, result.event.message);
    return; // the object is going away
  }
  const now = s.now;
  // A partition refused for adoption is someone else's: nothing of it is recorded (a recorded partitionUri
  // would mark it as ours in the next pass).
  const foreign = action.kind === 'blocked' && action.reason === 'AdoptionFailed';
  const o = s.observed.kind === 'present' && !foreign ? s.observed.partition : undefined;
  const phase = phaseOf(s, action, o);
  const { conds, warning, failed } = conditionsOf(s, pass, phase);
  const prevReady = s.cr.status?.conditions?.find((c) => c.type === 'Ready');
  const prevSynced = s.cr.status?.conditions?.find((c) => c.type === 'Synced');
  const seen = [prevReady, prevSynced].some(
    (c) => c?.reason === warning?.reason && c?.message === warning?.message,
  );
  if (result.ok && result.event) {
    const e = result.event;
    (e.type === 'Normal' ? d.events.normal : d.events.warning).call(d.events, s.cr, e.reason, e.message);
  }
  if (warning && !seen) d.events.warning(s.cr, warning.reason, warning.message);

  const established = result.ok ? result.status : undefined;
  const observedKnown = (s.observed.kind === 'present' && !foreign) || s.observed.kind === 'absent';
  const status: PartitionStatus = {
    partitionUri: established?.partitionUri ?? o?.uri ?? s.cr.status?.partitionUri,
    hmcName: established?.hmcName ?? o?.name ?? s.cr.status?.hmcName,
    ...(observedKnown ? { hmcStatus: o?.status, powerState: powerStateOf(o?.status) } : {}),
    phase,
    ...(o ? childEntries(s, o) : {}),
    ...(o ? { bootOsSpecificParameters: o.bootOsSpecificParameters } : {}),
    ...(s.storageStatus ? { storageGroups: s.storageStatus } : {}),
    observedGeneration: s.cr.metadata.generation,
    lastHandledReconcileAt:
      s.cr.metadata.annotations?.[ANNOTATION_RECONCILE_REQUESTED_AT] ?? s.cr.status?.lastHandledReconcileAt,
    errorCount: failed ? (s.cr.status?.errorCount ?? 0) + 1 : 0,
    conditions: withConditions(s.cr, conds, now),
  };
  if (established && 'pendingJob' in established) status.pendingJob = established.pendingJob;
  else if (s.observed.kind === 'absent' && s.cr.status?.pendingJob) status.pendingJob = null;
  // The writes are independent (one object each): sent together, a pass costs one API round trip.
  await Promise.all([
    unchanged(s.cr.status, status)
      ? undefined
      : d.writer.patchStatus(
          {
            plural: PLURAL.Partition,
            namespace: s.cr.metadata.namespace ?? '',
            name: s.cr.metadata.name ?? '',
          },
          status,
        ),
    o ? reportChildren(d, s, o) : undefined,
  ]);
}

function childEntries(s: PartitionSnapshot, o: ObservedPartition): Pick<PartitionStatus, 'nics' | 'hbas'> {
  const nicByName = new Map(o.nics.map((n) => [n.name, n]));
  const hbaByName = new Map(o.hbas.map((h) => [h.name, h]));
  return {
    nics: s.nics.map((n) => ({
      name: n.metadata.name ?? '',
      deviceNumber: nicByName.get(nicHmcName(n.metadata.uid ?? ''))?.deviceNumber,
      mac: normalizeMac(n.spec.mac),
      port: n.spec.port ?? 0,
    })),
    hbas: s.hbas.map((h) => ({
      name: h.metadata.name ?? '',
      wwpn: hbaByName.get(hbaHmcName(h.metadata.uid ?? ''))?.wwpn,
      deviceNumber: hbaByName.get(hbaHmcName(h.metadata.uid ?? ''))?.deviceNumber,
    })),
  };
}

/** Each NIC/HBA CR says whether its HMC element exists (and its device number, WWPN). */
async function reportChildren(d: PartitionDeps, s: PartitionSnapshot, o: ObservedPartition): Promise<void> {
  const write = async (
    plural: string,
    child: PartitionNic | PartitionHba,
    found: { uri: string; name: string; deviceNumber: string; wwpn?: string } | undefined,
    readyMessage: string,
  ): Promise<void> => {
    const status = {
      elementUri: found?.uri,
      hmcName: found?.name,
      ...(plural === PLURAL.PartitionHba ? { wwpn: found?.wwpn } : {}),
      deviceNumber: found?.deviceNumber,
      observedGeneration: child.metadata.generation,
      conditions: withConditions(
        child,
        [
          [
            'Ready',
            found ? 'True' : 'False',
            found ? 'Available' : 'Pending',
            found ? readyMessage : 'not created on the HMC yet',
          ],
        ],
        s.now,
      ),
    };
    if (unchanged(child.status, status)) return;
    await d.writer.patchStatus(
      { plural, namespace: child.metadata.namespace ?? '', name: child.metadata.name ?? '' },
      status,
    );
  };
  await Promise.all([
    ...s.nics.map((n) => {
      const f = o.nics.find((x) => x.name === nicHmcName(n.metadata.uid ?? ''));
      return write(PLURAL.PartitionNic, n, f, `device number ${f?.deviceNumber}`);
    }),
    ...s.hbas.map((h) => {
      const f = o.hbas.find((x) => x.name === hbaHmcName(h.metadata.uid ?? ''));
      return write(PLURAL.PartitionHba, h, f, `WWPN ${f?.wwpn}`);
    }),
  ]);
}

/**
 * A NIC or HBA applied together with its Partition may arrive first (kubectl apply of a directory, the scale
 * benchmark's parallel apply): for this long after its creation a missing Partition is not reported yet.
 */
export const PARTITION_REF_GRACE_MS = 5000;

/** How much longer the youngest live child waits before a missing Partition is reported (0: none waits). */
export function childGraceLeftMs(children: readonly CrObject[], now: Date): number {
  let left = 0;
  for (const c of children) {
    if (c.metadata.deletionTimestamp) continue;
    const age = now.getTime() - new Date(c.metadata.creationTimestamp ?? 0).getTime();
    left = Math.max(left, PARTITION_REF_GRACE_MS - age);
  }
  return left;
}

/** NICs and HBAs whose Partition does not exist say so (once), instead of staying silently Pending. */
async function reportGone(d: PartitionDeps, s: Extract<Snapshot, { kind: 'gone' }>): Promise<void> {
  const message = `Partition ${s.name} not found (spec.partitionRef.name)`;
  const now = (d.now ?? (() => new Date()))();
  const children = [
    ...s.nics.map((n) => [PLURAL.PartitionNic, n] as const),
    ...s.hbas.map((h) => [PLURAL.PartitionHba, h] as const),
  ];
  for (const [plural, child] of children) {
    if (child.metadata.deletionTimestamp || childGraceLeftMs([child], now) > 0) continue;
    if (child.status?.conditions?.find((c) => c.type === 'Ready')?.reason === 'PartitionNotFound') continue;
    d.events.warning(child, 'PartitionNotFound', message);
    await d.writer.patchStatus(
      { plural, namespace: child.metadata.namespace ?? '', name: child.metadata.name ?? '' },
      {
        conditions: withConditions(child, [['Ready', 'False', 'PartitionNotFound', message]], now),
        elementUri: null,
        deviceNumber: null,
      },
    );
  }
}
