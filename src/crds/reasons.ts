// The one catalogue of condition reasons (CamelCase, metav1.Condition `reason`). Every controller writes
// only reasons listed here; the Nova bridge and docs/design.md read their class from here; a unit test
// fails when a reason used anywhere in src is not listed.
//
// Classes:
//   progressing       the operator is working towards the spec (or has reached it); nobody needs to act.
//   waiting-for-user  the operator will not get further until the spec or a related object changes.
//   terminal          an HMC operation for this spec failed (e.g. the OS did not load); the operator may
//                     retry with backoff, but a caller waiting for the spec (Nova) should report failure.

export type ReasonClass = 'progressing' | 'waiting-for-user' | 'terminal';

interface ReasonInfo {
  readonly class: ReasonClass;
  /** One line for humans (docs, kubectl describe). */
  readonly doc: string;
}

const p = (doc: string): ReasonInfo => ({ class: 'progressing', doc });
const u = (doc: string): ReasonInfo => ({ class: 'waiting-for-user', doc });
const t = (doc: string): ReasonInfo => ({ class: 'terminal', doc });

export const REASONS = {
  // progressing
  Available: p('The object matches its spec on the HMC.'),
  ReconcileSuccess: p('The last reconcile pass succeeded (Synced).'),
  Pending: p('Not on the HMC yet; the next pass creates it.'),
  Creating: p('The HMC partition is being created.'),
  Configuring: p('Partition properties, NICs, HBAs or boot settings are being applied.'),
  Starting: p('A start job runs on the HMC.'),
  Stopping: p('A stop job runs on the HMC.'),
  Deleting: p('The HMC partition is being stopped and deleted.'),
  Transitioning: p('The HMC reports starting or stopping; the next notification brings the next step.'),
  WaitingForJob: p('An HMC job (start/stop) was submitted; its completion notification requeues the object.'),
  StartTakesLong: p(
    'A start job has run for 5 minutes; the message ends with the last OS messages of the partition.',
  ),
  WaitingForHba: p('The boot HBA is not created yet.'),
  HmcStatusUnknown: p('The HMC lost contact with the partition (communications-not-active, status-check).'),
  CreateUnconfirmed: p('A create may have reached the HMC; the name lookup has not answered yet.'),
  CpcSubsetNotReady: p('The CpcSubset is not Ready yet (HMC connection or CPC check pending).'),
  HmcUnreachable: p('The HMC did not answer; retried with backoff.'),
  HmcError: p('The HMC answered with an error that a retry may clear; retried with backoff.'),
  Conflict: p('Another writer changed the object first (optimistic concurrency); retried at once.'),
  FulfillmentPending: p(
    'Storage volumes wait for the SAN administrator (LUNs, zoning of the virtual WWPNs in status); a notification ends the wait.',
  ),
  BootVolumePending: p(
    'The boot storage volume is not fulfilled yet; the partition starts when the HMC reports it complete.',
  ),
  // waiting for the user
  InvalidSpec: u('The spec is inconsistent in a way the schema cannot express; the message names the field.'),
  CredentialsNotFound: u('The HMC credentials Secret or one of its keys is missing.'),
  HmcAuthenticationFailed: u('The HMC refused the credentials.'),
  CpcNotFound: u('No CPC matches spec.cpc on the HMC.'),
  CpcNotDpmEnabled: u('The CPC is not in DPM mode.'),
  CpcNotUsable: u('The CPC status does not allow managing partitions.'),
  CpcSubsetNotFound: u('spec.cpcSubsetRef names no CpcSubset.'),
  LimitsExceedCapacity: u('The CpcSubset limits exceed what the CPC has.'),
  LimitExceeded: u('The partition does not fit in the CpcSubset limits (retried when the subset frees up).'),
  PartitionNotFound: u('spec.partitionRef names no Partition.'),
  PartitionNameConflict: u('Another HMC partition already has the name this one needs.'),
  AdoptionFailed: u('spec.adoptPartitionName names no partition, or one owned by someone else.'),
  AdapterNotFound: u('An adapter port is unknown or not allowed by the CpcSubset.'),
  VirtualSwitchNotFound: u('A NIC names a virtual switch the CPC does not have.'),
  BootHbaNotFound: u('spec.boot.fcpVolume names no PartitionHba of this partition.'),
  DuplicateMac: u('Two NICs of the partition have the same MAC address.'),
  DuplicateDeviceNumber: u('Two NICs/HBAs of the partition have the same device number.'),
  InvalidBootParameters: u('The generated boot-os-specific-parameters exceed what the HMC accepts.'),
  StorageManagementNotAvailable: u(
    'The CPC has no dpm-storage-management (z13, early z14): storage groups do not exist there; use PartitionHba.',
  ),
  HbaNotSupported: u(
    'The CPC has dpm-storage-management on (z14 ZR1 and later): HBAs do not exist there; use spec.storageGroups.',
  ),
  StorageGroupNameConflict: u('An HMC storage group has the name this StorageGroup needs but is not ours.'),
  StorageGroupInUse: u(
    'Partitions still list the StorageGroup in spec.storageGroups; it is deleted after them.',
  ),
  StorageGroupNotFound: u('spec.storageGroups names an HMC group or StorageGroup that does not exist (yet).'),
  BootVolumeNotFound: u('spec.boot.storageVolume names a volume its storage group does not have.'),
  BootVolumeNotBoot: u("spec.boot.storageVolume names a volume whose usage is not 'boot'."),
  StopRequired: u(
    'A change needs the partition stopped: set spec.powerState Stopped or updateStrategy RestartIfNeeded.',
  ),
  // terminal
  BootFailed: t('The partition paused after start: no bootable device (FCP volume, WWPN, LUN).'),
  StartFailed: t("The HMC start job failed; the message is the HMC's."),
  StopFailed: t("The HMC stop job failed; the message is the HMC's."),
  DeleteFailed: t('The HMC refused to delete the partition.'),
} as const satisfies Record<string, ReasonInfo>;

export type Reason = keyof typeof REASONS;

/** Reason names as constants: `REASON.BootFailed === 'BootFailed'`. */
export const REASON = Object.fromEntries(Object.keys(REASONS).map((k) => [k, k])) as {
  readonly [K in Reason]: K;
};

export function isReason(r: string): r is Reason {
  return Object.hasOwn(REASONS, r);
}

/** The class of a reason; undefined for a reason not in the catalogue (a bug the unit test catches). */
export function reasonClass(r: string): ReasonClass | undefined {
  return isReason(r) ? REASONS[r].class : undefined;
}

/** Whether a client waiting for the spec to be reached should stop waiting (not progressing). */
export function isStuck(r: string): boolean {
  const c = reasonClass(r);
  return c === 'terminal' || c === 'waiting-for-user';
}
