// The inputs of the partition plan: what the user wants (from the CRs, already resolved to HMC terms)
// and what the HMC has. Plain data, so the plan is a pure function.

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

export type DesiredBoot =
  | { type: 'None' }
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
  nics: ObservedNic[];
  hbas: ObservedHba[];
}

/** Properties sent to the HMC, in its own names. */
export type HmcProps = Record<string, string | number | boolean | null>;

/** One step: the reconciler performs exactly one HMC action per pass (or none). */
export type Action =
  | { kind: 'create-partition'; props: HmcProps }
  | { kind: 'update-partition'; props: HmcProps; why: string }
  | { kind: 'start' }
  | { kind: 'stop'; why: string }
  | { kind: 'delete-partition' }
  | { kind: 'create-hba'; hba: DesiredHba }
  | { kind: 'delete-hba'; uri: string; name: string }
  | { kind: 'create-nic'; nic: DesiredNic }
  | { kind: 'update-nic'; uri: string; props: HmcProps; crName: string }
  | { kind: 'delete-nic'; uri: string; name: string }
  /** Nothing to do until the HMC finishes a transition (a notification will wake us). */
  | { kind: 'wait'; reason: string; message: string }
  /** Cannot proceed until the user changes something; reported as a condition, not retried. */
  | { kind: 'blocked'; reason: string; message: string }
  | { kind: 'in-sync' };
