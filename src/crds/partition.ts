// Partition: one DPM partition (LPAR) of a CpcSubset's CPC.
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  type AdapterPort,
  type Condition,
  type CrdManifest,
  type LocalObjectReference,
  KIND,
  MAX_BOOT_OS_SPECIFIC_PARAMETERS_LENGTH,
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

export const PROCESSOR_MODES = ['Shared', 'Dedicated'] as const;
export type ProcessorMode = (typeof PROCESSOR_MODES)[number];
export const DESIRED_POWER_STATES = ['Active', 'Stopped'] as const;
export type DesiredPowerState = (typeof DESIRED_POWER_STATES)[number];
export const BOOT_TYPES = ['None', 'FcpVolume', 'StorageVolume'] as const;
export type BootType = (typeof BOOT_TYPES)[number];
export const DELETION_POLICIES = ['Delete', 'Orphan'] as const;
export type DeletionPolicy = (typeof DELETION_POLICIES)[number];
export const UPDATE_STRATEGIES = ['WhileStopped', 'RestartIfNeeded'] as const;
export type UpdateStrategy = (typeof UPDATE_STRATEGIES)[number];
export const OBSERVED_POWER_STATES = ['Active', 'Stopped', 'Transitioning', 'Unknown'] as const;
export type ObservedPowerState = (typeof OBSERVED_POWER_STATES)[number];
export const PARTITION_PHASES = [
  'Pending',
  'Creating',
  'Configuring',
  'Starting',
  'Running',
  'Stopping',
  'Stopped',
  'Deleting',
  'Failed',
] as const;
export type PartitionPhase = (typeof PARTITION_PHASES)[number];

/** Limits of spec.kernelParameters (the HMC limits the whole boot-os-specific-parameters to 256). */
export const MAX_KERNEL_PARAMETERS_LENGTH = MAX_BOOT_OS_SPECIFIC_PARAMETERS_LENGTH;
/** HMC partition names are 1-64 characters. */
export const MAX_HMC_PARTITION_NAME_LENGTH = 64;

export interface PartitionProcessors {
  /** >= 1. */
  ifls: number;
  /** Defaults to Shared. */
  mode: ProcessorMode;
}

export interface PartitionMemory {
  initialMiB: number;
  /** >= initialMiB. */
  maximumMiB: number;
}

/** Exactly one of hbaRef / adapterPort. */
export interface FcpVolumeBoot {
  /** Boot through this PartitionHba of the partition. */
  hbaRef?: LocalObjectReference;
  /** Boot through the partition's HBA on this FCP adapter port. */
  adapterPort?: AdapterPort;
  /** 16 hex digits. */
  targetWwpn: string;
  /** 1-16 hex digits. */
  lun: string;
}

/** A storage volume (usage boot) of a group in spec.storageGroups; exactly one of storageGroupName / storageGroupRef. */
export interface StorageVolumeBoot {
  /** An existing HMC group listed in spec.storageGroups by name. */
  storageGroupName?: string;
  /** A StorageGroup resource listed in spec.storageGroups by storageGroupRef. */
  storageGroupRef?: LocalObjectReference;
  /** Name of the volume in the group. */
  volume: string;
}

export interface PartitionBoot {
  /** Defaults to None. */
  type: BootType;
  /** Required iff type is FcpVolume. */
  fcpVolume?: FcpVolumeBoot;
  /** Required iff type is StorageVolume. */
  storageVolume?: StorageVolumeBoot;
}

/** A storage group attached to the partition: exactly one of name / storageGroupRef. */
export interface PartitionStorageGroup {
  /** An existing HMC storage group (on the subset's CPC), by its HMC name; never modified or deleted. */
  name?: string;
  /** A StorageGroup resource (same namespace). */
  storageGroupRef?: LocalObjectReference;
}

export const MAX_PARTITION_STORAGE_GROUPS = 16;

export interface PartitionSpec {
  /** Immutable. */
  cpcSubsetRef: LocalObjectReference;
  description?: string;
  processors: PartitionProcessors;
  memory: PartitionMemory;
  /** Defaults to Active. */
  powerState: DesiredPowerState;
  /** Defaulted to {type: None} when omitted. */
  boot: PartitionBoot;
  /** Storage groups to attach (CPCs with dpm-storage-management, z14 ZR1 and later). */
  storageGroups?: PartitionStorageGroup[];
  kernelParameters?: string;
  /** Defaults to Delete. */
  deletionPolicy: DeletionPolicy;
  /** Defaults to WhileStopped. */
  updateStrategy: UpdateStrategy;
  /** Immutable once set. */
  adoptPartitionName?: string;
}

export interface PartitionNicStatusEntry {
  name: string;
  deviceNumber?: string;
  mac?: string;
  port?: number;
}

export interface PartitionHbaStatusEntry {
  name: string;
  wwpn?: string;
  deviceNumber?: string;
}

/** One attached path (virtual storage resource) of a storage group of the partition. */
export interface PartitionStoragePathStatus {
  deviceNumber?: string;
  /** Virtual WWPN to zone (16 hex digits). */
  wwpn?: string;
  adapterPortUri?: string;
}

export interface PartitionStorageGroupStatus {
  /** HMC name of the group. */
  name: string;
  /** Set when the group is a StorageGroup resource. */
  storageGroupRef?: string;
  uri?: string;
  fulfillmentState?: string;
  attached?: boolean;
  paths?: PartitionStoragePathStatus[];
}

/** An HMC job the operator submitted and has not seen end; resumed (never re-submitted) after a restart. */
export interface PartitionPendingJob {
  /** HMC job URI, /api/jobs/{id}. */
  uri: string;
  operation: 'start' | 'stop';
  /** RFC 3339. */
  submittedAt: string;
}

export interface PartitionStatus {
  partitionUri?: string;
  /** null clears it (merge patch). */
  pendingJob?: PartitionPendingJob | null;
  hmcName?: string;
  hmcStatus?: string;
  powerState?: ObservedPowerState;
  phase?: PartitionPhase;
  nics?: PartitionNicStatusEntry[];
  hbas?: PartitionHbaStatusEntry[];
  storageGroups?: PartitionStorageGroupStatus[];
  bootOsSpecificParameters?: string;
  observedGeneration?: number;
  lastHandledReconcileAt?: string;
  errorCount?: number;
  conditions?: Condition[];
}

export interface Partition extends KubernetesObject {
  apiVersion: 'dpm.operator.dev/v1alpha1';
  kind: 'Partition';
  metadata: NonNullable<KubernetesObject['metadata']>;
  spec: PartitionSpec;
  status?: PartitionStatus;
}

const MAX_MEMORY_MIB = 16 * 1024 * 1024; // 16 TiB
/** The least memory a Linux partition starts with (nova-dpm refuses flavors below it, as the Nova bridge does). */
export const MIN_MEMORY_MIB = 512;

export const partitionSpecSchema = s.obj(
  'Desired state of the partition.',
  {
    cpcSubsetRef: localRefSchema(
      'The CpcSubset (same namespace) whose CPC hosts this partition. Immutable.',
      'spec.cpcSubsetRef',
      true,
    ),
    description: s.str('Free text stored in the HMC partition description after the ownership prefix.', {
      maxLength: 512,
    }),
    processors: s.obj(
      'Processors of the partition.',
      {
        ifls: s.int('Number of IFL processors (ifl-processors), at least 1.', { minimum: 1, maximum: 256 }),
        mode: s.enum('Processor mode: Shared (default) or Dedicated.', PROCESSOR_MODES, 'Shared'),
      },
      ['ifls'],
    ),
    memory: s.obj(
      'Memory of the partition in MiB.',
      {
        initialMiB: s.int64(`Initial memory in MiB (initial-memory), at least ${MIN_MEMORY_MIB}.`, {
          minimum: MIN_MEMORY_MIB,
          maximum: MAX_MEMORY_MIB,
        }),
        maximumMiB: s.int64('Maximum memory in MiB (maximum-memory), at least initialMiB.', {
          minimum: MIN_MEMORY_MIB,
          maximum: MAX_MEMORY_MIB,
        }),
      },
      ['initialMiB', 'maximumMiB'],
      {
        'x-kubernetes-validations': [
          {
            rule: 'self.maximumMiB >= self.initialMiB',
            message: 'spec.memory.maximumMiB must be >= spec.memory.initialMiB',
          },
        ],
      },
    ),
    powerState: s.enum(
      'Desired power state: Active (default, started) or Stopped.',
      DESIRED_POWER_STATES,
      'Active',
    ),
    boot: s.obj(
      'Boot device. Changes take effect on the next start.',
      {
        type: s.enum(
          'None (default; a started partition ends paused), FcpVolume (through a PartitionHba, CPCs without dpm-storage-management) or StorageVolume (a volume of an attached storage group).',
          BOOT_TYPES,
          'None',
        ),
        fcpVolume: s.obj(
          'SCSI volume behind an FCP HBA; required when type is FcpVolume.',
          {
            hbaRef: localRefSchema(
              'The PartitionHba (same namespace) to boot through.',
              'spec.boot.fcpVolume.hbaRef',
              false,
            ),
            adapterPort: adapterPortSchema(
              'Boot through the HBA of this partition on this FCP adapter port.',
              3,
            ),
            targetWwpn: s.str('WWPN of the storage target port, 16 hex digits.', {
              pattern: PATTERN.wwpn,
              maxLength: 16,
            }),
            lun: s.str('Logical unit number of the boot volume, 1-16 hex digits.', {
              pattern: PATTERN.lun,
              maxLength: 16,
            }),
          },
          ['targetWwpn', 'lun'],
          {
            'x-kubernetes-validations': [
              {
                rule: 'has(self.hbaRef) != has(self.adapterPort)',
                message:
                  'spec.boot.fcpVolume must set exactly one of spec.boot.fcpVolume.hbaRef or spec.boot.fcpVolume.adapterPort',
              },
            ],
          },
        ),
        storageVolume: s.obj(
          'A storage volume (usage boot) of a group in spec.storageGroups; required when type is StorageVolume. The partition starts only once the volume is fulfilled (complete).',
          {
            storageGroupName: s.str('HMC name of the group, as listed in spec.storageGroups[].name.', {
              minLength: 1,
              maxLength: 64,
            }),
            storageGroupRef: localRefSchema(
              'The StorageGroup, as listed in spec.storageGroups[].storageGroupRef.',
              'spec.boot.storageVolume.storageGroupRef',
              false,
            ),
            volume: s.str('Name of the storage volume in the group.', { minLength: 1, maxLength: 64 }),
          },
          ['volume'],
          {
            'x-kubernetes-validations': [
              {
                rule: 'has(self.storageGroupName) != has(self.storageGroupRef)',
                message:
                  'spec.boot.storageVolume must set exactly one of spec.boot.storageVolume.storageGroupName or spec.boot.storageVolume.storageGroupRef',
              },
            ],
          },
        ),
      },
      [],
      {
        default: { type: 'None' },
        'x-kubernetes-validations': [
          {
            rule: "self.type != 'FcpVolume' || has(self.fcpVolume)",
            message: 'spec.boot.fcpVolume is required when spec.boot.type is FcpVolume',
          },
          {
            rule: "self.type == 'FcpVolume' || !has(self.fcpVolume)",
            message: 'spec.boot.fcpVolume must be omitted unless spec.boot.type is FcpVolume',
          },
          {
            rule: "self.type != 'StorageVolume' || has(self.storageVolume)",
            message: 'spec.boot.storageVolume is required when spec.boot.type is StorageVolume',
          },
          {
            rule: "self.type == 'StorageVolume' || !has(self.storageVolume)",
            message: 'spec.boot.storageVolume must be omitted unless spec.boot.type is StorageVolume',
          },
        ],
      },
    ),
    storageGroups: s.arr(
      `Storage groups attached to the partition (FCP storage on CPCs with dpm-storage-management), at most ${MAX_PARTITION_STORAGE_GROUPS}; each names exactly one of an existing HMC group (name) or a StorageGroup resource (storageGroupRef).`,
      s.obj(
        'A storage group to attach.',
        {
          name: s.str(
            'HMC name of an existing storage group on the CPC; the operator attaches and detaches it but never modifies or deletes it.',
            { minLength: 1, maxLength: 64 },
          ),
          storageGroupRef: localRefSchema(
            'A StorageGroup resource (same namespace) that the operator owns.',
            'spec.storageGroups[].storageGroupRef',
            false,
          ),
        },
        [],
        {
          'x-kubernetes-validations': [
            {
              rule: 'has(self.name) != has(self.storageGroupRef)',
              message: 'spec.storageGroups[] must set exactly one of name or storageGroupRef',
            },
          ],
        },
      ),
      MAX_PARTITION_STORAGE_GROUPS,
      {
        'x-kubernetes-validations': [
          {
            rule: 'self.all(g, !has(g.name) || self.filter(h, has(h.name) && h.name == g.name).size() == 1)',
            message: 'spec.storageGroups names the same group (name) twice',
          },
          {
            rule: 'self.all(g, !has(g.storageGroupRef) || self.filter(h, has(h.storageGroupRef) && h.storageGroupRef.name == g.storageGroupRef.name).size() == 1)',
            message: 'spec.storageGroups names the same StorageGroup (storageGroupRef) twice',
          },
        ],
      },
    ),
    kernelParameters: s.str(
      `Extra text appended to boot-os-specific-parameters after the NIC entries; the whole string is limited to ${MAX_BOOT_OS_SPECIFIC_PARAMETERS_LENGTH} characters (printable ASCII).`,
      { maxLength: MAX_KERNEL_PARAMETERS_LENGTH, pattern: '^[ -~]*$' },
    ),
    deletionPolicy: s.enum(
      'Delete (default) removes the HMC partition with the object; Orphan leaves it on the HMC.',
      DELETION_POLICIES,
      'Delete',
    ),
    updateStrategy: s.enum(
      'WhileStopped (default) applies changes that need a stopped partition only when it is stopped; RestartIfNeeded stops and restarts it.',
      UPDATE_STRATEGIES,
      'WhileStopped',
    ),
    adoptPartitionName: s.str(
      'Adopt this existing, unowned HMC partition (1-64 characters) instead of creating one. Immutable once set.',
      { minLength: 1, maxLength: 64 },
    ),
  },
  ['cpcSubsetRef', 'processors', 'memory'],
  {
    'x-kubernetes-validations': [
      {
        rule: '!has(oldSelf.adoptPartitionName) || (has(self.adoptPartitionName) && self.adoptPartitionName == oldSelf.adoptPartitionName)',
        message: 'spec.adoptPartitionName is immutable once set',
      },
      {
        rule: "!has(self.boot) || self.boot.type != 'StorageVolume' || !has(self.boot.storageVolume) || (has(self.storageGroups) && self.storageGroups.exists(g, (has(self.boot.storageVolume.storageGroupName) && has(g.name) && g.name == self.boot.storageVolume.storageGroupName) || (has(self.boot.storageVolume.storageGroupRef) && has(g.storageGroupRef) && g.storageGroupRef.name == self.boot.storageVolume.storageGroupRef.name)))",
        message: 'spec.boot.storageVolume must name a storage group listed in spec.storageGroups',
        fieldPath: '.boot.storageVolume',
      },
    ],
  },
);

const nameInStatus = s.str('HMC name of the element.', { maxLength: 64 });

export const partitionStatusSchema = s.obj('Observed state of the HMC partition.', {
  partitionUri: s.str('HMC object-uri of the partition, recorded right after create.', { maxLength: 256 }),
  hmcName: s.str('Name of the partition on the HMC.', { maxLength: 64 }),
  pendingJob: s.obj(
    'The HMC job (start/stop) submitted and not yet seen to end: its completion requeues the Partition, and after an operator restart the job is read, never submitted again.',
    {
      uri: s.str('HMC job URI.', { maxLength: 256 }),
      operation: s.enum('What the job does.', ['start', 'stop']),
      submittedAt: s.str('When the job was submitted (RFC 3339).', { format: 'date-time' }),
    },
    ['uri', 'operation', 'submittedAt'],
  ),
  hmcStatus: s.str('Raw HMC status, e.g. active, stopped, starting, paused.', { maxLength: 64 }),
  powerState: s.enum('Observed power state.', OBSERVED_POWER_STATES),
  phase: s.enum('Lifecycle phase.', PARTITION_PHASES),
  nics: s.arr(
    'NICs of the partition as seen on the HMC.',
    s.obj(
      'A NIC.',
      {
        name: nameInStatus,
        deviceNumber: deviceNumberSchema('Device number.'),
        mac: s.str('MAC address.', { maxLength: 17 }),
        port: s.int('OSA port used by the guest.', { minimum: 0, maximum: 1 }),
      },
      ['name'],
    ),
    64,
  ),
  hbas: s.arr(
    'HBAs of the partition as seen on the HMC.',
    s.obj(
      'An HBA.',
      {
        name: nameInStatus,
        wwpn: s.str('WWPN assigned by the HMC (16 hex digits).', { maxLength: 16 }),
        deviceNumber: deviceNumberSchema('Device number.'),
      },
      ['name'],
    ),
    64,
  ),
  storageGroups: s.arr(
    'Storage groups of the partition: fulfillment and, per attached path, the device number and the virtual WWPN the SAN administrator must zone.',
    s.obj(
      'A storage group of the partition.',
      {
        name: s.str('HMC name of the group.', { maxLength: 64 }),
        storageGroupRef: s.str('Name of the StorageGroup resource, when the group is one.', {
          maxLength: 253,
        }),
        uri: s.str('HMC object-uri of the group.', { maxLength: 256 }),
        fulfillmentState: s.str('HMC fulfillment-state of the group, e.g. pending or complete.', {
          maxLength: 64,
        }),
        attached: s.bool('Whether the group is attached to the partition on the HMC.'),
        paths: s.arr(
          'Virtual storage resources of the partition in this group, one per adapter path.',
          s.obj('An adapter path.', {
            deviceNumber: deviceNumberSchema('FCP device number the guest sees.'),
            wwpn: s.str('Virtual WWPN (16 hex digits) to zone to the storage.', { maxLength: 16 }),
            adapterPortUri: s.str('HMC URI of the FCP adapter port.', { maxLength: 256 }),
          }),
          64,
        ),
      },
      ['name'],
    ),
    MAX_PARTITION_STORAGE_GROUPS,
  ),
  bootOsSpecificParameters: s.str('boot-os-specific-parameters last written to the HMC.', { maxLength: 256 }),
  observedGeneration: observedGenerationSchema,
  lastHandledReconcileAt: s.str('Last value of the reconcile-requested-at annotation that was handled.', {
    maxLength: 256,
  }),
  errorCount: s.int('Consecutive failed reconciles (drives the backoff); 0 after a success.', { minimum: 0 }),
  conditions: conditionsSchema,
});

export function partitionCrd(): CrdManifest {
  return crdManifest({
    kind: KIND.Partition,
    plural: PLURAL.Partition,
    shortName: 'dpmpart',
    description: 'Partition is one DPM partition (LPAR) on the CPC of a CpcSubset, managed through the HMC.',
    spec: partitionSpecSchema,
    status: partitionStatusSchema,
    columns: [
      { name: 'HMC Status', type: 'string', jsonPath: '.status.hmcStatus', description: 'Raw HMC status.' },
      { name: 'CPC Subset', type: 'string', jsonPath: '.spec.cpcSubsetRef.name', description: 'CpcSubset.' },
      { name: 'IFLs', type: 'integer', jsonPath: '.spec.processors.ifls', description: 'IFL processors.' },
      {
        name: 'Memory',
        type: 'integer',
        jsonPath: '.spec.memory.initialMiB',
        description: 'Initial memory (MiB).',
      },
      readyColumn,
      ageColumn,
      {
        name: 'Phase',
        type: 'string',
        jsonPath: '.status.phase',
        description: 'Lifecycle phase.',
        priority: 1,
      },
      {
        name: 'HMC Name',
        type: 'string',
        jsonPath: '.status.hmcName',
        description: 'HMC partition name.',
        priority: 1,
      },
      reasonColumn,
    ],
  });
}
