// StorageGroup: an FCP storage group the operator creates and owns on the CPC of a CpcSubset (the only way
// to give partitions FCP storage when the CPC feature dpm-storage-management is on: z14 ZR1 and later).
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  type AdapterPort,
  type Condition,
  type CrdManifest,
  type LocalObjectReference,
  KIND,
  PATTERN,
  PLURAL,
  adapterPortSchema,
  ageColumn,
  conditionsSchema,
  crdManifest,
  deviceNumberSchema,
  localRefSchema,
  observedGenerationSchema,
  readyColumn,
  reasonColumn,
  s,
} from './common.js';
import { DELETION_POLICIES, type DeletionPolicy } from './partition.js';

export const VOLUME_USAGES = ['boot', 'data'] as const;
export type VolumeUsage = (typeof VOLUME_USAGES)[number];

/** HMC `fulfillment-state` of a storage group or volume. */
export const FULFILLMENT_STATES = [
  'pending',
  'pending-with-mismatches',
  'incomplete',
  'complete',
  'checking-migration',
  'deleting',
  'overprovisioned',
] as const;
export type FulfillmentState = (typeof FULFILLMENT_STATES)[number];

/** Volume sizes in GiB (the HMC's `size` unit); 1 GiB up to 1 PiB. */
export const MIN_VOLUME_SIZE_GIB = 1;
export const MAX_VOLUME_SIZE_GIB = 1024 * 1024;
export const MAX_VOLUMES = 64;
/** HMC storage group and storage volume names are 1-64 characters. */
export const MAX_STORAGE_NAME_LENGTH = 64;

/**
 * Where the volume is on the storage subsystem, reported to the HMC by the operator with one
 * Fulfill FCP Storage Volume request (what storage automation does; a boot volume needs it).
 */
export interface FcpFulfillment {
  /** WWPN of the storage subsystem's target port, 16 hex digits. */
  targetWwpn: string;
  /** LUN of the volume on the storage subsystem, 1-16 hex digits. */
  lun: string;
  /** The CPC FCP adapter port the partition boots through; default: the port of the group's first path. */
  adapterPort?: AdapterPort;
}

export interface StorageGroupVolume {
  /** Unique in the group; the HMC volume name. */
  name: string;
  sizeGiB: number;
  /** Defaults to data. */
  usage: VolumeUsage;
  description?: string;
  /** Immutable once set. */
  fcpFulfillment?: FcpFulfillment;
}

export interface StorageGroupSpec {
  /** Immutable. */
  cpcSubsetRef: LocalObjectReference;
  description?: string;
  /** Defaults to false. */
  shared: boolean;
  /** Number of adapter paths per attached partition; defaults to 2. */
  connectivity: number;
  /** Defaults to 1; more only when shared. */
  maxPartitions: number;
  volumes?: StorageGroupVolume[];
  /** Must be among the CpcSubset's spec.storageAdapterPorts. */
  candidateAdapterPorts?: AdapterPort[];
  /** Defaults to Delete. */
  deletionPolicy: DeletionPolicy;
}

export interface StorageVolumeStatus {
  name: string;
  uri?: string;
  fulfillmentState?: FulfillmentState;
  usage?: VolumeUsage;
  sizeGiB?: number;
  /** Known once fulfilled. */
  uuid?: string;
}

/** One adapter path of one attached partition: what the SAN administrator zones. */
export interface StoragePathStatus {
  /** HMC name of the partition. */
  partition: string;
  deviceNumber?: string;
  /** Virtual WWPN of the path (16 hex digits). */
  wwpn?: string;
  adapterPortUri?: string;
}

export interface AttachedPartitionStatus {
  name: string;
  uri: string;
}

export interface StorageGroupStatus {
  groupUri?: string;
  hmcName?: string;
  fulfillmentState?: FulfillmentState;
  volumes?: StorageVolumeStatus[];
  paths?: StoragePathStatus[];
  attachedPartitions?: AttachedPartitionStatus[];
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface StorageGroup extends KubernetesObject {
  apiVersion: 'dpm.operator.dev/v1alpha1';
  kind: 'StorageGroup';
  metadata: NonNullable<KubernetesObject['metadata']>;
  spec: StorageGroupSpec;
  status?: StorageGroupStatus;
}

const hmcNameSchema = (description: string) =>
  s.str(description, { minLength: 1, maxLength: MAX_STORAGE_NAME_LENGTH, pattern: '^[ -~]+$' });

export const fcpFulfillmentSchema = s.obj(
  'Where the volume is on the storage subsystem (target WWPN and LUN), once the LUN exists and the virtual WWPNs are zoned: ' +
    'the operator reports it to the HMC with one Fulfill FCP Storage Volume request, and the volume becomes complete. ' +
    'A volume a partition boots from must be fulfilled this way (or by the storage administrator on the HMC). Immutable once set.',
  {
    targetWwpn: s.str('WWPN of the storage subsystem target port, 16 hex digits (not all zeros).', {
      pattern: PATTERN.wwpn,
      maxLength: 16,
    }),
    lun: s.str(
      'Logical unit number of the volume on the storage subsystem, 1-16 hex digits (the 8-byte FCP LUN).',
      {
        pattern: PATTERN.lun,
        maxLength: 16,
      },
    ),
    adapterPort: adapterPortSchema(
      "The CPC FCP adapter port the partition boots through (one of the CpcSubset's spec.storageAdapterPorts); default: the port of the group's first path, else its first candidate port.",
      3,
    ),
  },
  ['targetWwpn', 'lun'],
  {
    'x-kubernetes-validations': [
      {
        rule: "!self.targetWwpn.matches('^0+$')",
        message: 'spec.volumes[].fcpFulfillment.targetWwpn must not be all zeros',
        fieldPath: '.targetWwpn',
      },
      {
        rule: 'self == oldSelf',
        message:
          'spec.volumes[].fcpFulfillment is immutable once set (an FCP volume is fulfilled once; replace the volume to change it)',
      },
    ],
  },
);

export const storageVolumeSchema = s.obj(
  'A storage volume (LUN) of the group, requested from the storage administrator.',
  {
    name: hmcNameSchema('Name of the volume, unique in the group (the HMC volume name, 1-64 characters).'),
    sizeGiB: s.int(
      `Size in GiB (${MIN_VOLUME_SIZE_GIB}-${MAX_VOLUME_SIZE_GIB}); changing it asks for a resized volume.`,
      { minimum: MIN_VOLUME_SIZE_GIB, maximum: MAX_VOLUME_SIZE_GIB },
    ),
    usage: s.enum('boot (a partition may boot from it) or data (default).', VOLUME_USAGES, 'data'),
    description: s.str('Free text for the storage administrator.', { maxLength: 200 }),
    fcpFulfillment: fcpFulfillmentSchema,
  },
  ['name', 'sizeGiB'],
);

export const storageGroupSpecSchema = s.obj(
  'Desired state of the FCP storage group.',
  {
    cpcSubsetRef: localRefSchema(
      'The CpcSubset (same namespace) on whose CPC the group is defined. Immutable.',
      'spec.cpcSubsetRef',
      true,
    ),
    description: s.str(
      'Free text stored in the HMC group description after the ownership prefix (at most 100 characters).',
      { maxLength: 100 },
    ),
    shared: s.bool('Whether the group may be attached to more than one partition (shared). Default false.', {
      default: false,
    }),
    connectivity: s.int('Number of adapter paths (virtual storage resources) per attached partition, 1-64.', {
      minimum: 1,
      maximum: 64,
      default: 2,
    }),
    maxPartitions: s.int('Maximum number of partitions the group may be attached to (1 unless shared).', {
      minimum: 1,
      maximum: 64,
      default: 1,
    }),
    volumes: s.arr(
      `Storage volumes of the group (at most ${MAX_VOLUMES}), by unique name.`,
      storageVolumeSchema,
      MAX_VOLUMES,
      { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
    ),
    candidateAdapterPorts: s.arr(
      "FCP adapter ports the HMC may use for the group's paths; each must be one of the CpcSubset's spec.storageAdapterPorts.",
      adapterPortSchema('An FCP storage adapter port (adapter object-id, port 0-3).', 3),
      32,
      { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['adapterObjectId', 'port'] },
    ),
    deletionPolicy: s.enum(
      'Delete (default) removes the HMC group (after detaching it) with the object; Orphan leaves it on the HMC.',
      DELETION_POLICIES,
      'Delete',
    ),
  },
  ['cpcSubsetRef'],
  {
    'x-kubernetes-validations': [
      {
        rule: '!has(self.maxPartitions) || self.maxPartitions == 1 || (has(self.shared) && self.shared)',
        message: 'spec.maxPartitions must be 1 unless spec.shared is true',
        fieldPath: '.maxPartitions',
      },
    ],
  },
);

const fulfillmentSchema = (what: string) =>
  s.enum(`HMC fulfillment-state of the ${what}.`, FULFILLMENT_STATES);

export const storageGroupStatusSchema = s.obj('Observed state of the HMC storage group.', {
  groupUri: s.str('HMC object-uri of the storage group, recorded right after create.', { maxLength: 256 }),
  hmcName: s.str('Name of the storage group on the HMC.', { maxLength: 64 }),
  fulfillmentState: fulfillmentSchema('group (complete once every volume is complete)'),
  volumes: s.arr(
    'Storage volumes of the group as seen on the HMC.',
    s.obj(
      'A storage volume.',
      {
        name: s.str('Name of the volume.', { maxLength: 64 }),
        uri: s.str('HMC element-uri of the volume.', { maxLength: 256 }),
        fulfillmentState: fulfillmentSchema('volume'),
        usage: s.enum('boot or data.', VOLUME_USAGES),
        sizeGiB: s.int('Size in GiB as requested on the HMC.', { minimum: 0 }),
        uuid: s.str('UUID of the volume on the storage subsystem, known once fulfilled.', { maxLength: 64 }),
      },
      ['name'],
    ),
    MAX_VOLUMES,
  ),
  paths: s.arr(
    'Virtual storage resources: one per attached partition and adapter path. Zone each virtual WWPN to the storage.',
    s.obj(
      'An adapter path of an attached partition.',
      {
        partition: s.str('HMC name of the attached partition.', { maxLength: 64 }),
        deviceNumber: deviceNumberSchema('FCP device number the guest sees.'),
        wwpn: s.str('Virtual WWPN of the path (16 hex digits): zone it and map the volumes to it.', {
          maxLength: 16,
        }),
        adapterPortUri: s.str('HMC URI of the FCP adapter port the path uses.', { maxLength: 256 }),
      },
      ['partition'],
    ),
    512,
  ),
  attachedPartitions: s.arr(
    'Partitions the group is attached to.',
    s.obj(
      'An attached partition.',
      {
        name: s.str('HMC name of the partition.', { maxLength: 64 }),
        uri: s.str('HMC object-uri of the partition.', { maxLength: 256 }),
      },
      ['name', 'uri'],
    ),
    64,
  ),
  observedGeneration: observedGenerationSchema,
  conditions: conditionsSchema,
});

export function storageGroupCrd(): CrdManifest {
  return crdManifest({
    kind: KIND.StorageGroup,
    plural: PLURAL.StorageGroup,
    shortName: 'dpmsg',
    description:
      'StorageGroup is an FCP storage group (with its storage volumes) that the operator creates and owns on ' +
      'the CPC of a CpcSubset; Partitions attach it through spec.storageGroups.',
    spec: storageGroupSpecSchema,
    status: storageGroupStatusSchema,
    columns: [
      { name: 'CPC Subset', type: 'string', jsonPath: '.spec.cpcSubsetRef.name', description: 'CpcSubset.' },
      {
        name: 'Fulfillment',
        type: 'string',
        jsonPath: '.status.fulfillmentState',
        description: 'HMC fulfillment-state of the group.',
      },
      { name: 'Shared', type: 'boolean', jsonPath: '.spec.shared', description: 'Shareable group.' },
      readyColumn,
      ageColumn,
      {
        name: 'HMC Name',
        type: 'string',
        jsonPath: '.status.hmcName',
        description: 'HMC storage group name.',
        priority: 1,
      },
      reasonColumn,
    ],
  });
}
