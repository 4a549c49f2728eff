// The partition plan: desired CR state against observed HMC state -> the one next action. Pure; no I/O.
// planPass: deletion, CpcSubset, HMC reachability, a pending job, validation, admission, then planPartition.
// planPartition order: create -> wait out transitions -> partition properties -> HBAs -> NICs -> boot properties -> power.
import { buildBootOsSpecificParameters, BootParamsError } from './boot-params.js';
import { HmcHttpError } from '../../hmc/errors.js';
import { admit } from './admission.js';
import type { PartitionSnapshot } from './observe.js';
import { validateDesired } from './validate.js';
import type {
  Action,
  JobState,
  PendingJob,
  DesiredHba,
  DesiredNic,
  DesiredPartition,
  HmcPartitionStatus,
  HmcProps,
  ObservedHba,
  ObservedNic,
  ObservedPartition,
} from './model.js';
import { reasonClass } from '../../crds/reasons.js';
import { sameHex } from '../../hmc/resource.js';
import { isOwnedHba, isOwnedNic, normalizeMac } from '../naming.js';

/** Statuses in which the partition does not run and may be updated, started or deleted (as the HMC's tools do). */
const STOPPED_LIKE: ReadonlySet<HmcPartitionStatus> = new Set(['stopped', 'reservation-error']);
const TRANSITIONAL: ReadonlySet<HmcPartitionStatus> = new Set(['starting', 'stopping']);
const RUNNING: ReadonlySet<HmcPartitionStatus> = new Set(['active', 'degraded']);
/** "Bad" statuses: the HMC lost contact; nothing can be decided until it comes back. */
const UNKNOWN: ReadonlySet<HmcPartitionStatus> = new Set(['communications-not-active', 'status-check']);

export function isStoppedLike(s: HmcPartitionStatus): boolean {
  return STOPPED_LIKE.has(s);
}

export function createProps(d: DesiredPartition): HmcProps {
  return {
    name: d.hmcName,
    description: d.description,
    type: 'linux',
    'ifl-processors': d.ifls,
    'processor-mode': d.processorMode,
    'initial-memory': d.initialMemoryMiB,
    'maximum-memory': d.maximumMemoryMiB,
  };
}

interface PropDiff {
  anytime: HmcProps;
  stoppedOnly: HmcProps;
}

/** Partition properties that differ. maximum-memory and processor-mode change only while stopped. */
export function diffPartitionProps(d: DesiredPartition, o: ObservedPartition): PropDiff {
  const anytime: HmcProps = {};
  const stoppedOnly: HmcProps = {};
  if (d.description !== o.description) anytime.description = d.description;
  if (d.ifls !== o.ifls) anytime['ifl-processors'] = d.ifls;
  if (d.processorMode !== o.processorMode) stoppedOnly['processor-mode'] = d.processorMode;
  if (d.maximumMemoryMiB !== o.maximumMemoryMiB) stoppedOnly['maximum-memory'] = d.maximumMemoryMiB;
  if (d.initialMemoryMiB !== o.initialMemoryMiB) {
    // Raising initial memory above the current maximum needs the maximum raised first, i.e. a stop.
    if (d.initialMemoryMiB <= o.maximumMemoryMiB) anytime['initial-memory'] = d.initialMemoryMiB;
    else stoppedOnly['initial-memory'] = d.initialMemoryMiB;
  }
  return { anytime, stoppedOnly };
}

function nicMatches(d: DesiredNic, o: ObservedNic): boolean {
  return (
    o.virtualSwitchUri === d.virtualSwitchUri &&
    (d.deviceNumber === undefined || sameHex(d.deviceNumber, o.deviceNumber))
  );
}

function nicUpdates(d: DesiredNic, o: ObservedNic): HmcProps {
  const props: HmcProps = {};
  if (o.description !== d.description) props.description = d.description;
  if ((o.vlanId ?? null) !== (d.vlanId ?? null)) {
    props['vlan-id'] = d.vlanId ?? null;
    props['vlan-type'] = d.vlanId === undefined ? null : 'enforced';
  }
  if (o.macAddress !== undefined && normalizeMac(o.macAddress) !== normalizeMac(d.mac)) {
    props['mac-address'] = normalizeMac(d.mac);
  }
  return props;
}

function hbaMatches(d: DesiredHba, o: ObservedHba): boolean {
  return (
    o.adapterPortUri === d.adapterPortUri &&
    (d.deviceNumber === undefined || sameHex(d.deviceNumber, o.deviceNumber))
  );
}

/** The next HBA action, or undefined when the partition's owned HBAs are exactly the desired ones. */
export function planHbas(
  desired: readonly DesiredHba[],
  observed: readonly ObservedHba[],
): Action | undefined {
  const wanted = new Map(desired.map((h) => [h.hmcName, h]));
  for (const o of observed) {
    if (!isOwnedHba(o)) continue; // never touch HBAs this operator did not create
    const d = wanted.get(o.name);
    if (!d || !hbaMatches(d, o)) return { kind: 'delete-hba', uri: o.uri, name: o.name };
  }
  const have = new Set(observed.map((o) => o.name));
  const missing = desired.find((h) => !have.has(h.hmcName));
  return missing ? { kind: 'create-hba', hba: missing } : undefined;
}

/** First device number for NICs the spec leaves open (HBAs keep the HMC's choice: their WWPN needs a read anyway). */
const FIRST_NIC_DEVICE_NUMBER = 0x1000;

/**
 * The lowest free device number from 1000 (hex): the operator picks NIC device numbers itself so that a
 * created NIC needs no read-back (its properties are all known). Unique per partition across NICs and HBAs.
 */
export function freeDeviceNumber(used: readonly string[]): string {
  const taken = new Set(used.map((d) => parseInt(d, 16)));
  let n = FIRST_NIC_DEVICE_NUMBER;
  while (taken.has(n)) n++;
  return n.toString(16).padStart(4, '0');
}

/** The next NIC action, or undefined when the partition's owned NICs are exactly the desired ones. */
export function planNics(
  desired: readonly DesiredNic[],
  observed: readonly ObservedNic[],
  usedDeviceNumbers: readonly string[] = observed.map((n) => n.deviceNumber),
): Action | undefined {
  const wanted = new Map(desired.map((n) => [n.hmcName, n]));
  for (const o of observed) {
    if (!isOwnedNic(o)) continue;
    const d = wanted.get(o.name);
    if (!d || !nicMatches(d, o)) return { kind: 'delete-nic', uri: o.uri, name: o.name };
    const props = nicUpdates(d, o);
    if (Object.keys(props).length > 0) return { kind: 'update-nic', uri: o.uri, props, crName: d.crName };
  }
  const have = new Set(observed.map((o) => o.name));
  const missing = desired.find((n) => !have.has(n.hmcName));
  if (!missing) return undefined;
  // Numbers the spec asks for are reserved too, so a NIC created later with its own number never collides.
  const reserved = [
    ...usedDeviceNumbers,
    ...desired.flatMap((n) => (n.deviceNumber ? [n.deviceNumber] : [])),
  ];
  return {
    kind: 'create-nic',
    nic: missing,
    deviceNumber: (missing.deviceNumber ?? freeDeviceNumber(reserved)).toLowerCase().padStart(4, '0'),
  };
}

export type BootPropsResult = { ok: true; props: HmcProps; osParams: string } | { ok: false; action: Action };

/** The boot properties the HMC partition must carry; needs every NIC and the boot HBA to exist already. */
export function desiredBootProps(d: DesiredPartition, o: ObservedPartition): BootPropsResult {
  const byName = new Map(o.nics.map((n) => [n.name, n]));
  const bootNics = d.nics.map((n) => ({ nic: n, observed: byName.get(n.hmcName) }));
  let osParams: string;
  try {
    osParams = buildBootOsSpecificParameters({
      nics: bootNics.map(({ nic, observed }) => ({
        deviceNumber: observed!.deviceNumber,
        port: nic.port,
        mac: nic.mac,
      })),
      extra: d.kernelParameters,
    });
  } catch (e) {
    if (!(e instanceof BootParamsError)) throw e;
    return {
      ok: false,
      action: {
        kind: 'blocked',
        reason: 'InvalidBootParameters',
        message: `spec.kernelParameters with ${d.nics.length} NIC entries: ${e.message}`,
      },
    };
  }
  if (d.boot.type === 'None') {
    return { ok: true, osParams, props: { 'boot-device': 'none', 'boot-os-specific-parameters': osParams } };
  }
  if (d.boot.type === 'StorageVolume') {
    return {
      ok: true,
      osParams,
      props: {
        'boot-device': 'storage-volume',
        'boot-storage-volume': d.boot.volumeUri,
        'boot-os-specific-parameters': osParams,
      },
    };
  }
  const sel = d.boot.hba;
  let hba: ObservedHba | undefined;
  if ('crName' in sel) {
    const want = d.hbas.find((h) => h.crName === sel.crName);
    if (!want) {
      return {
        ok: false,
        action: {
          kind: 'blocked',
          reason: 'BootHbaNotFound',
          message: `spec.boot.fcpVolume.hbaRef.name: no PartitionHba ${sel.crName} references this partition`,
        },
      };
    }
    hba = o.hbas.find((h) => h.name === want.hmcName);
  } else {
    hba = o.hbas.find((h) => h.adapterPortUri === sel.adapterPortUri);
    if (!hba && !d.hbas.some((h) => h.adapterPortUri === sel.adapterPortUri)) {
      return {
        ok: false,
        action: {
          kind: 'blocked',
          reason: 'BootHbaNotFound',
          message: `spec.boot.fcpVolume.adapterPort: no PartitionHba of this partition uses ${sel.adapterPortUri}`,
        },
      };
    }
  }
  if (!hba)
    return {
      ok: false,
      action: { kind: 'wait', reason: 'WaitingForHba', message: 'boot HBA not created yet' },
    };
  return {
    ok: true,
    osParams,
    props: {
      'boot-device': 'storage-adapter',
      'boot-storage-device': hba.uri,
      'boot-world-wide-port-name': d.boot.targetWwpn.toLowerCase(),
      'boot-logical-unit-number': d.boot.lun.toLowerCase(),
      'boot-os-specific-parameters': osParams,
    },
  };
}

function diffBootProps(want: HmcProps, o: ObservedPartition): HmcProps {
  const have: HmcProps = {
    'boot-device': o.bootDevice,
    'boot-storage-device': o.bootStorageDevice ?? null,
    'boot-world-wide-port-name': o.bootWwpn ?? '',
    'boot-logical-unit-number': o.bootLun ?? '',
    'boot-storage-volume': o.bootStorageVolume ?? null,
    'boot-os-specific-parameters': o.bootOsSpecificParameters,
  };
  const out: HmcProps = {};
  for (const [k, v] of Object.entries(want)) {
    const h = have[k];
    const same =
      k === 'boot-world-wide-port-name' || k === 'boot-logical-unit-number'
        ? sameHex(String(v), String(h ?? ''))
        : v === h;
    if (!same) out[k] = v;
  }
  return out;
}

function planPower(d: DesiredPartition, s: HmcPartitionStatus): Action {
  if (d.powerState === 'Stopped') {
    return STOPPED_LIKE.has(s) ? { kind: 'in-sync' } : { kind: 'stop', why: 'spec.powerState is Stopped' };
  }
  if (RUNNING.has(s)) return { kind: 'in-sync' };
  if (STOPPED_LIKE.has(s)) {
    // Waiting is not failing: the start follows the notification that the volume is complete.
    if (d.boot.type === 'StorageVolume' && d.boot.fulfillmentState !== 'complete') {
      return {
        kind: 'wait',
        reason: 'BootVolumePending',
        message:
          `boot volume ${d.boot.volumeName} of storage group ${d.boot.groupLabel} is ${d.boot.fulfillmentState}: ` +
          'the SAN administrator must create the LUN, zone the virtual WWPNs in status.storageGroups[].paths ' +
          'and fulfill the volume; the partition starts when the HMC reports it complete',
        recheckMs: 300_000,
      };
    }
    return { kind: 'start' };
  }
  if (s === 'paused') {
    // With no boot device the HMC pauses a started partition: that is the expected end state.
    if (d.boot.type === 'None') return { kind: 'in-sync' };
    return {
      kind: 'blocked',
      reason: 'BootFailed',
      message: 'the partition paused after start: no bootable device (check the FCP volume, WWPN and LUN)',
    };
  }
  // terminated: the OS ended; stop it so the next pass starts it cleanly.
  return { kind: 'stop', why: `HMC status ${s}` };
}

/**
 * Attach the groups the spec lists; detach only groups this operator attached (`ours`: the URIs recorded in
 * status.storageGroups) that the spec dropped. A group is never deleted here, shared or not.
 */
export function planStorageGroups(
  d: DesiredPartition,
  o: ObservedPartition,
  ours: readonly string[],
): Action | undefined {
  const missing = d.storageGroups.find((g) => !o.storageGroupUris.includes(g.uri));
  if (missing) return { kind: 'attach-storage-group', uri: missing.uri, name: missing.hmcName };
  const dropped = o.storageGroupUris.find(
    (u) => ours.includes(u) && !d.storageGroups.some((g) => g.uri === u),
  );
  if (dropped) return { kind: 'detach-storage-group', uri: dropped, name: dropped };
  return undefined;
}

/** The one next action for a partition that should exist. `observed` undefined = not on the HMC (by URI and name). */
export function planPartition(
  d: DesiredPartition,
  o: ObservedPartition | undefined,
  ours: readonly string[] = [],
): Action {
  if (!o) return { kind: 'create-partition', props: createProps(d) };
  if (TRANSITIONAL.has(o.status)) {
    return { kind: 'wait', reason: 'Transitioning', message: `HMC status ${o.status}` };
  }
  if (UNKNOWN.has(o.status)) {
    return { kind: 'wait', reason: 'HmcStatusUnknown', message: `HMC reports status ${o.status}` };
  }
  const stopped = STOPPED_LIKE.has(o.status);
  const { anytime, stoppedOnly } = diffPartitionProps(d, o);
  if (Object.keys(anytime).length > 0) {
    return { kind: 'update-partition', props: anytime, why: 'spec changed' };
  }
  const stoppedOnlyFields = Object.keys(stoppedOnly);
  if (stoppedOnlyFields.length > 0 && stopped) {
    return { kind: 'update-partition', props: stoppedOnly, why: 'spec changed (stopped-only properties)' };
  }
  // Device chain: HBAs, then NICs, then storage groups.
  const used = [...o.hbas, ...o.nics].map((x) => x.deviceNumber);
  const device = planHbas(d.hbas, o.hbas) ?? planNics(d.nics, o.nics, used) ?? planStorageGroups(d, o, ours);
  if (device) return device;
  const boot = desiredBootProps(d, o);
  if (!boot.ok) return boot.action;
  const bootDiff = diffBootProps(boot.props, o);
  if (Object.keys(bootDiff).length > 0) {
    return { kind: 'update-partition', props: bootDiff, why: 'boot properties' };
  }
  if (stoppedOnlyFields.length > 0) {
    if (d.updateStrategy === 'RestartIfNeeded') {
      return {
        kind: 'stop',
        why: `to change ${stoppedOnlyFields.join(', ')} (updateStrategy RestartIfNeeded)`,
      };
    }
    if (d.powerState === 'Active') {
      return {
        kind: 'blocked',
        reason: 'StopRequired',
        message:
          `changing ${stoppedOnlyFields.join(', ')} needs the partition stopped: set spec.powerState to Stopped ` +
          'or spec.updateStrategy to RestartIfNeeded',
      };
    }
  }
  return planPower(d, o.status);
}

/** The one next action for a partition being deleted with deletionPolicy Delete. */
export function planDeletion(o: ObservedPartition | undefined): Action {
  if (!o) return { kind: 'in-sync' };
  if (TRANSITIONAL.has(o.status))
    return { kind: 'wait', reason: 'Transitioning', message: `HMC status ${o.status}` };
  if (STOPPED_LIKE.has(o.status)) return { kind: 'delete-partition' };
  return { kind: 'stop', why: 'deleting' };
}

/**
 * A boot HBA reference may name a PartitionHba created a moment after its Partition (kubectl apply of a
 * directory, the Nova bridge): for this long after the Partition was created it is a wait, then a refusal.
 * Nothing reaches the HMC either way.
 */
export const REFERENCE_GRACE_MS = 30_000;

/** How long a partition waits for a CpcSubset that is not Ready before looking again (its events also wake it). */
const SUBSET_RECHECK_MS = 15_000;

/** A start job still running this long is reported with the guest's last console lines. */
export const START_TAKES_LONG_MS = 300_000;

export function planJob(job: PendingJob, state: JobState, now: Date): Action {
  if (state.state === 'running') {
    if (job.operation === 'start' && now.getTime() - Date.parse(job.submittedAt) >= START_TAKES_LONG_MS) {
      return {
        kind: 'wait',
        reason: 'StartTakesLong',
        message: `start job ${job.uri} submitted at ${job.submittedAt} has not ended after ${START_TAKES_LONG_MS / 60_000} minutes`,
        recheckMs: state.recheckMs,
        consoleTail: true,
      };
    }
    return {
      kind: 'wait',
      reason: 'WaitingForJob',
      message: `${job.operation} job ${job.uri} submitted at ${job.submittedAt}`,
      recheckMs: state.recheckMs,
    };
  }
  return { kind: 'finish-job', job, result: state };
}

function unreachable(error: unknown, why: string): Action {
  const message = `${error instanceof Error ? error.message : String(error)}${why}`;
  return {
    kind: 'retry',
    reason: error instanceof HmcHttpError ? 'HmcError' : 'HmcUnreachable',
    message,
    error,
  };
}

/** Deletion: stop, delete, and release the finalizer only once the HMC has answered that nothing is left. */
function planDeletePass(s: PartitionSnapshot): Action {
  if (!s.hasFinalizer) return { kind: 'in-sync' };
  if (s.cr.spec.deletionPolicy === 'Orphan') return { kind: 'release', orphan: true };
  const mayExist =
    Boolean(s.cr.status?.partitionUri) || s.createAttempted || Boolean(s.cr.spec.adoptPartitionName);
  if (!mayExist) return { kind: 'release', orphan: false };
  const hold =
    ' (the finalizer stays until the HMC answers; spec.deletionPolicy Orphan releases it without the HMC)';
  if (!s.subsetReady) {
    return {
      kind: 'wait',
      reason: 'CreateUnconfirmed',
      message: `CpcSubset ${s.cr.spec.cpcSubsetRef.name} is not ready${hold}`,
      recheckMs: SUBSET_RECHECK_MS,
    };
  }
  if (s.observed.kind === 'unknown') return unreachable(s.observed.error, hold);
  if (s.job) return planJob(s.job.pending, s.job.state, s.now);
  const o = s.observed.kind === 'present' ? s.observed.partition : undefined;
  const action = planDeletion(o);
  return action.kind === 'in-sync' ? { kind: 'release', orphan: false } : action;
}

/** Adoption takes only what nobody owns: not another CpcSubset's partition, not one another Partition manages. */
function adoptionProblem(s: PartitionSnapshot, o: ObservedPartition): string | undefined {
  const owner = /^OpenStack CPCSubset=(\S+)/.exec(o.description)?.[1];
  if (owner && owner !== s.subset?.metadata.name) {
    return `spec.adoptPartitionName: partition ${o.name} belongs to CpcSubset ${owner}`;
  }
  const other = s
    .peers()
    .find((p) => p.metadata.uid !== s.cr.metadata.uid && p.status?.partitionUri === o.uri);
  return other
    ? `spec.adoptPartitionName: partition ${o.name} is already managed by Partition ${other.metadata.namespace}/${other.metadata.name}`
    : undefined;
}

/** The one next action of a pass (pure): the whole decision table of a Partition. */
export function planPass(s: PartitionSnapshot): Action {
  if (s.deleting) return planDeletePass(s);
  const subsetName = s.cr.spec.cpcSubsetRef.name;
  if (!s.subset) {
    return {
      kind: 'blocked',
      reason: 'CpcSubsetNotFound',
      message: `spec.cpcSubsetRef.name: CpcSubset ${subsetName} not found`,
    };
  }
  if (!s.subsetReady) {
    return {
      kind: 'wait',
      reason: 'CpcSubsetNotReady',
      message: `CpcSubset ${subsetName} is not ready`,
      recheckMs: SUBSET_RECHECK_MS,
    };
  }
  if (s.observed.kind === 'unknown') return unreachable(s.observed.error, '');
  if (s.job) return planJob(s.job.pending, s.job.state, s.now);
  if (!s.desired?.ok) {
    const r = s.desired ?? { reason: 'InvalidSpec' as const, message: 'desired state not resolved' };
    // A reference that is still being set up (e.g. a StorageGroup not created yet) is waited for, not failed.
    if (reasonClass(r.reason) === 'progressing')
      return { kind: 'wait', reason: r.reason, message: r.message };
    return { kind: 'blocked', reason: r.reason, message: r.message };
  }
  const d = s.desired.value;
  const invalid = validateDesired(d);
  if (invalid?.reason === 'BootHbaNotFound') {
    const age = s.now.getTime() - new Date(s.cr.metadata.creationTimestamp ?? 0).getTime();
    if (age < REFERENCE_GRACE_MS) {
      return {
        kind: 'wait',
        reason: 'WaitingForHba',
        message: invalid.message,
        recheckMs: REFERENCE_GRACE_MS - age,
      };
    }
  }
  if (invalid) return invalid;
  const o = s.observed.kind === 'present' ? s.observed.partition : undefined;
  if (!o) {
    if (s.cr.spec.adoptPartitionName) {
      return {
        kind: 'blocked',
        reason: 'AdoptionFailed',
        message: `spec.adoptPartitionName: no partition ${s.hmcName} on CPC ${s.subset.status?.cpcName}`,
      };
    }
    const verdict = admit(s.subset, s.peers(), s.cr);
    if (!verdict.admitted) {
      return {
        kind: 'blocked',
        reason: 'LimitExceeded',
        message: verdict.message ?? 'CpcSubset limits exceeded',
      };
    }
  } else {
    if (s.cr.spec.adoptPartitionName && !s.cr.status?.partitionUri) {
      const problem = adoptionProblem(s, o);
      if (problem) return { kind: 'blocked', reason: 'AdoptionFailed', message: problem };
    }
    if (!s.hasFinalizer) return { kind: 'add-finalizer' };
  }
  const ours = (s.cr.status?.storageGroups ?? []).flatMap((g) => (g.uri ? [g.uri] : []));
  return planPartition(d, o, ours);
}
