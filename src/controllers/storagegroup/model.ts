// The StorageGroup controller's data: what the spec asks for (resolved), what the HMC has, and the one
// next step the plan picks.
import type { FulfillmentState, VolumeUsage } from '../../crds/index.js';
import type { Reason } from '../../crds/reasons.js';
import type { StorageVolumeRequest } from '../../hmc/storage-group.js';

export interface DesiredVolume {
  name: string;
  sizeGiB: number;
  usage: VolumeUsage;
  description: string;
  /** spec fcpFulfillment resolved: hex lower case; the port as a URI when the spec names one. */
  fcpFulfillment?: { wwpn: string; lun: string; adapterPortUri?: string };
}

export interface DesiredGroup {
  hmcName: string;
  description: string;
  shared: boolean;
  connectivity: number;
  maxPartitions: number;
  volumes: DesiredVolume[];
  /** `/api/adapters/{id}/storage-ports/{n}`. */
  candidatePortUris: string[];
}

export interface ObservedVolume {
  uri: string;
  name: string;
  sizeGiB: number;
  usage: VolumeUsage;
  description: string;
  fulfillmentState: FulfillmentState;
  uuid?: string;
}

export interface ObservedPath {
  uri: string;
  partitionUri: string;
  deviceNumber: string;
  wwpn: string;
  adapterPortUri: string;
}

export interface ObservedGroup {
  uri: string;
  name: string;
  description: string;
  shared: boolean;
  connectivity: number;
  maxPartitions: number;
  fulfillmentState: FulfillmentState;
  candidatePortUris: string[];
  volumes: ObservedVolume[];
  paths: ObservedPath[];
  attached: { uri: string; name: string }[];
}

export type Observed =
  /** Nothing to ask the HMC (not needed this pass). */
  | { kind: 'not-needed' }
  | { kind: 'absent' }
  /** A group with our name but without our ownership marker: never touched. */
  | { kind: 'foreign'; uri: string }
  | { kind: 'present'; group: ObservedGroup }
  | { kind: 'unknown'; error: unknown };

export type Action =
  | { kind: 'in-sync' }
  | { kind: 'add-finalizer' }
  /** Remove the finalizer: nothing (left) on the HMC to clean up, or Orphan. */
  | { kind: 'release'; why: string }
  | { kind: 'blocked'; reason: Reason; message: string }
  | { kind: 'wait'; reason: Reason; message: string; recheckMs?: number }
  | { kind: 'create'; desired: DesiredGroup }
  | {
      kind: 'modify';
      uri: string;
      settings: Record<string, unknown>;
      volumes: StorageVolumeRequest[];
      why: string;
    }
  | { kind: 'add-ports'; uri: string; portUris: string[] }
  /** One Fulfill FCP Storage Volume request (`uri` is the group's: it is read again after). */
  | {
      kind: 'fulfill';
      uri: string;
      volumeUri: string;
      volume: string;
      wwpn: string;
      lun: string;
      adapterPortUri: string;
    }
  | { kind: 'detach'; uri: string; partition: { uri: string; name: string } }
  | { kind: 'delete'; uri: string };
