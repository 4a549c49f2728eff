// The inputs of the partition plan: what the user wants (from the CRs, already resolved to HMC terms)
// and what the HMC has. Plain data, so the plan is a pure function.

import type { Reason } from '../../crds/reasons.js';
import type { PartitionStatus } from '../../hmc/partition.js';

/** The HMC's partition `status` values (owned by the HMC client). */
export type HmcPartitionStatus = PartitionStatus;

export interface DesiredNic {
  /** PartitionNic CR name (the key the status uses). */
  crName: string;
  hmcName: string;
  description: string;
  virtualSwitchUri: string;
  mac: string;
  port: number;
  deviceNumber?: string;
  vlanId?: number;
}

export interface DesiredHba {
  crName: string;
  hmcName: string;
  adapterPortUri: string;
  deviceNumber?: string;
}

/** A storage group the partition must have attached (resolved to its HMC URI). */
export interface DesiredStorageGroup {
  /** As the spec names it: the HMC name, or the StorageGroup resource name. */
  label: string;
  /** Set when the group is a StorageGroup resource. */
  ref?: string;
  uri: string;
  hmcName: string;
}

export interface ObservedStorageVolume {
  uri: string;
  name: string;
  usage: string;
  fulfillmentState: string;
}

export type DesiredBoot =
  | { type: 'None' }
  | {
      type: 'StorageVolume';
      volumeUri: string;
      volumeName: string;
      groupLabel: string;
      fulfillmentState: string;
    }
  | {
      type: 'FcpVolume';
      /** Identifies the boot HBA: by PartitionHba CR name or by adapter port URI. */
      hba: { crName: string } | { adapterPortUri: string };
      targetWwpn: string;
      lun: string;
    };

export interface DesiredPartition {
  hmcName: string;
  description: string;
  ifls: number;
  processorMode: 'shared' | 'dedicated';
  initialMemoryMiB: number;
  maximumMemoryMiB: number;
  powerState: 'Active' | 'Stopped';
  boot: DesiredBoot;
  kernelParameters?: string;
  updateStrategy: 'WhileStopped' | 'RestartIfNeeded';
  nics: DesiredNic[];
  hbas: DesiredHba[];
  storageGroups: DesiredStorageGroup[];
  /** StorageGroups: the CPC has dpm-storage-management on, where HBAs do not exist. */
  storageModel?: 'StorageGroups' | 'Hbas';
}

export interface ObservedNic {
  uri: string;
  name: string;
  description?: string;
  deviceNumber: string;
  virtualSwitchUri?: string;
  macAddress?: string;
  vlanId?: number | null;
}

export interface ObservedHba {
  uri: string;
  name: string;
  wwpn: string;
  deviceNumber: string;
  adapterPortUri: string;
}

export interface ObservedPartition {
  uri: string;
  name: string;
  description: string;
  status: HmcPartitionStatus;
  ifls: number;
  processorMode: 'shared' | 'dedicated';
  initialMemoryMiB: number;
  maximumMemoryMiB: number;
  bootDevice: string;
  bootStorageDevice?: string | null;
  bootWwpn?: string;
  bootLun?: string;
  bootOsSpecificParameters: string;
  bootStorageVolume?: string | null;
  storageGroupUris: string[];
  nics: ObservedNic[];
  hbas: ObservedHba[];
}

/** Properties sent to the HMC, in its own names. */
export type HmcProps = Record<string, string | number | boolean | null>;

export type JobOperation = 'start' | 'stop';

/** An HMC job this operator submitted and has not seen end (Partition status.pendingJob). */
export interface PendingJob {
  uri: string;
  operation: JobOperation;
  /** RFC 3339. */
  submittedAt: string;
}

/** What is known about a pending job: from the partition's status, the completion notification or a GET. */
export type JobState =
  | {
      state: 'running';
      /** when to look again without a notification (the bounded poll) */ recheckMs: number;
    }
  | { state: 'succeeded' }
  | { state: 'failed'; message: string }
  /** The HMC no longer knows the job (deleted, HMC restarted): its effect is read from the partition. */
  | { state: 'lost' };

/** The HMC side of a pass. `unknown`: the HMC did not answer, so nothing may be concluded (no create, no release). */
export type Observed =
  | { kind: 'not-needed' }
  | { kind: 'absent' }
  | { kind: 'present'; partition: ObservedPartition }
  | { kind: 'unknown'; error: unknown };

/**
 * One step: the reconciler performs exactly one action per pass: one HMC request or job submission, or one
 * Kubernetes metadata write (finalizer), or none.
 *
 * Extension point (storage groups): a new device kind adds its Desired and Observed fields above, its
 * create/attach/detach/delete kinds here, a planner in plan.ts's device chain (after HBAs and NICs) and a
 * case in act.ts; observe.ts resolves its references. report.ts needs no change for new action kinds.
 */
export type Action =
  | { kind: 'create-partition'; props: HmcProps }
  | { kind: 'update-partition'; props: HmcProps; why: string }
  /** Submits the start job; its completion is observed in a later pass. */
  | { kind: 'start' }
  /** Submits the stop job. */
  | { kind: 'stop'; why: string }
  | { kind: 'delete-partition' }
  | { kind: 'create-hba'; hba: DesiredHba }
  | { kind: 'delete-hba'; uri: string; name: string }
  | { kind: 'create-nic'; nic: DesiredNic; deviceNumber: string }
  | { kind: 'update-nic'; uri: string; props: HmcProps; crName: string }
  | { kind: 'delete-nic'; uri: string; name: string }
  | { kind: 'attach-storage-group'; uri: string; name: string }
  /** Only groups this operator attached (listed in status.storageGroups); never deletes a group. */
  | { kind: 'detach-storage-group'; uri: string; name: string }
  /** The recorded job ended: delete its HMC job status (unless lost) and clear status.pendingJob. */
  | { kind: 'finish-job'; job: PendingJob; result: JobState }
  /** Our finalizer on a partition that exists on the HMC but not yet by our create (adoption, restart). */
  | { kind: 'add-finalizer' }
  /** Deletion is complete (or Orphan): remove the finalizers of the Partition and its children. */
  | { kind: 'release'; orphan: boolean }
  /** Nothing to do until something changes (a notification or informer event wakes us; recheckMs is the safety net). */
  | {
      kind: 'wait';
      reason: Reason;
      message: string;
      recheckMs?: number;
      /** act appends the guest's last console lines to the message (a start that takes long). */
      consoleTail?: boolean;
    }
  /** Cannot proceed until the user changes something; reported as a condition + Event, not retried. */
  | { kind: 'blocked'; reason: Reason; message: string }
  /** The HMC could not be observed: retried with backoff, nothing concluded. */
  | { kind: 'retry'; reason: Reason; message: string; error: unknown }
  | { kind: 'in-sync' };
