// CpcSubset: a share of one DPM-mode CPC managed through one HMC (nova-dpm's compute "host").
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  type AdapterPort,
  type Condition,
  type CrdManifest,
  KIND,
  MAX_CPCSUBSET_NAME_LENGTH,
  PATTERN,
  PLURAL,
  adapterPortSchema,
  ageColumn,
  conditionsSchema,
  crdManifest,
  objectIdSchema,
  observedGenerationSchema,
  readyColumn,
  reasonColumn,
  s,
} from './common.js';

export const HMC_DEFAULT_PORT = 6794;

export interface HmcCredentialsSecretRef {
  /** Secret in the CpcSubset's namespace. */
  name: string;
  /** Defaults to "userid". */
  useridKey: string;
  /** Defaults to "password". */
  passwordKey: string;
  /** Defaults to "ca.crt"; the key may be absent from the Secret (then the system trust store is used). */
  caBundleKey: string;
}

export interface HmcEndpoint {
  host: string;
  alternateHost?: string;
  /** Defaults to 6794. */
  port: number;
  credentialsSecretRef: HmcCredentialsSecretRef;
  /** Defaults to false. */
  insecureSkipTLSVerify: boolean;
}

/** Exactly one of name / objectId. */
export interface CpcSelector {
  name?: string;
  objectId?: string;
}

export interface CpcSubsetLimits {
  maxPartitions: number;
  maxProcessors: number;
  /** >= 512. */
  maxMemoryMiB: number;
}

export interface CpcSubsetSpec {
  hmc: HmcEndpoint;
  cpc: CpcSelector;
  limits: CpcSubsetLimits;
  storageAdapterPorts?: AdapterPort[];
  targetWwpnIgnoreList?: string[];
}

export interface CpcSubsetCapacity {
  ifls?: number;
  memoryMiB?: number;
  maxPartitions?: number;
}

export interface CpcSubsetUsage {
  partitions?: number;
  processors?: number;
  memoryMiB?: number;
}

/**
 * How partitions of the CPC get FCP storage: StorageGroups when the firmware feature dpm-storage-management is
 * on (always on z14 ZR1 and later), Hbas (PartitionHba) when it is off (z13, early z14).
 */
export const STORAGE_MODELS = ['StorageGroups', 'Hbas'] as const;
export type StorageModel = (typeof STORAGE_MODELS)[number];

export interface CpcSubsetStatus {
  cpcUri?: string;
  cpcName?: string;
  seVersion?: string;
  dpmEnabled?: boolean;
  storageModel?: StorageModel;
  capacity?: CpcSubsetCapacity;
  usage?: CpcSubsetUsage;
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface CpcSubset extends KubernetesObject {
  apiVersion: 'dpm.operator.dev/v1alpha1';
  kind: 'CpcSubset';
  metadata: NonNullable<KubernetesObject['metadata']>;
  spec: CpcSubsetSpec;
  status?: CpcSubsetStatus;
}

const hostSchema = (what: string) =>
  s.str(`${what} DNS name or IP address of the HMC.`, { minLength: 1, maxLength: 253 });

export const cpcSubsetSpecSchema = s.obj(
  'Desired state: which HMC and CPC to use and how much of the CPC this subset may consume.',
  {
    hmc: s.obj(
      'HMC Web Services API endpoint and credentials.',
      {
        host: hostSchema('Primary'),
        alternateHost: hostSchema('Alternate (fail-over)'),
        port: s.int('TCP port of the HMC Web Services API.', {
          minimum: 1,
          maximum: 65535,
          default: 6794,
        }),
        credentialsSecretRef: s.obj(
          'Secret in the same namespace holding the HMC userid, password and optional CA bundle.',
          {
            name: s.str('Name of the Secret.', {
              minLength: 1,
              maxLength: 253,
              pattern: PATTERN.dnsSubdomain,
            }),
            useridKey: s.str('Key of the HMC userid in the Secret.', {
              default: 'userid',
              maxLength: 253,
              pattern: PATTERN.secretKey,
            }),
            passwordKey: s.str('Key of the HMC password in the Secret.', {
              default: 'password',
              maxLength: 253,
              pattern: PATTERN.secretKey,
            }),
            caBundleKey: s.str(
              'Key of the PEM CA bundle that signs the HMC certificate; if the key is absent, the system trust store is used.',
              { default: 'ca.crt', maxLength: 253, pattern: PATTERN.secretKey },
            ),
          },
          ['name'],
        ),
        insecureSkipTLSVerify: s.bool('Skip verification of the HMC TLS certificate (not for production).', {
          default: false,
        }),
      },
      ['host', 'credentialsSecretRef'],
    ),
    cpc: s.obj(
      'The DPM-mode CPC, by exactly one of name or objectId.',
      {
        name: s.str('CPC name as shown by the HMC, e.g. CPCZ16A.', { minLength: 1, maxLength: 64 }),
        objectId: objectIdSchema('CPC'),
      },
      [],
      {
        'x-kubernetes-validations': [
          {
            rule: 'has(self.name) != has(self.objectId)',
            message: 'spec.cpc must set exactly one of spec.cpc.name or spec.cpc.objectId',
          },
        ],
      },
    ),
    limits: s.obj(
      'Upper bounds for the partitions of this subset (nova-dpm max_instances, max_processors, max_memory).',
      {
        maxPartitions: s.int('Maximum number of partitions of this subset.', { minimum: 1, maximum: 85 }),
        maxProcessors: s.int(
          'Maximum IFLs of one partition of this subset (shared IFLs; must not exceed the CPC IFL count).',
          { minimum: 1, maximum: 256 },
        ),
        maxMemoryMiB: s.int64(
          'Maximum total initial memory of the partitions of this subset, in MiB (>= 512).',
          {
            minimum: 512,
            maximum: 64 * 1024 * 1024,
          },
        ),
      },
      ['maxPartitions', 'maxProcessors', 'maxMemoryMiB'],
    ),
    storageAdapterPorts: s.arr(
      'FCP adapter ports (nova-dpm physical_storage_adapter_mappings) on which each partition gets one HBA.',
      adapterPortSchema('An FCP storage adapter port.', 3),
      32,
      { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['adapterObjectId', 'port'] },
    ),
    targetWwpnIgnoreList: s.arr(
      'Target WWPNs never used for boot (e.g. NAS ports of a V7000 Unified); 16 hex digits each.',
      s.str('A target WWPN (16 hex digits).', { pattern: PATTERN.wwpn, maxLength: 16 }),
      256,
      { 'x-kubernetes-list-type': 'set' },
    ),
  },
  ['hmc', 'cpc', 'limits'],
);

export const cpcSubsetStatusSchema = s.obj('Observed state of the CPC and of this subset.', {
  cpcUri: s.str('HMC object-uri of the CPC, e.g. /api/cpcs/<id>.', { maxLength: 256 }),
  cpcName: s.str('Name of the CPC.', { maxLength: 64 }),
  seVersion: s.str('Support Element version of the CPC (se-version), e.g. 2.16.0.', { maxLength: 32 }),
  dpmEnabled: s.bool('Whether the CPC is in DPM mode.'),
  storageModel: s.enum(
    'How partitions get FCP storage: StorageGroups (feature dpm-storage-management on, z14 ZR1 and later: use StorageGroup and Partition spec.storageGroups) or Hbas (feature off, z13: use PartitionHba).',
    STORAGE_MODELS,
  ),
  capacity: s.obj('What the CPC offers.', {
    ifls: s.int('IFL processors of the CPC (processor-count-ifl).', { minimum: 0 }),
    memoryMiB: s.int64('Customer storage of the CPC in MiB (storage-customer).', { minimum: 0 }),
    maxPartitions: s.int('Maximum partitions of the CPC (maximum-partitions).', { minimum: 0 }),
  }),
  usage: s.obj('What the partitions of this subset consume.', {
    partitions: s.int('Partitions of this subset.', { minimum: 0 }),
    processors: s.int('IFLs in use: the maximum over partitions (shared IFLs).', { minimum: 0 }),
    memoryMiB: s.int64('Sum of the initial memory of the partitions, in MiB.', { minimum: 0 }),
  }),
  observedGeneration: observedGenerationSchema,
  conditions: conditionsSchema,
});

export function cpcSubsetCrd(): CrdManifest {
  return crdManifest({
    kind: KIND.CpcSubset,
    plural: PLURAL.CpcSubset,
    shortName: 'cpcsub',
    description:
      'CpcSubset is a share of one DPM-mode IBM Z / LinuxONE CPC, managed through the HMC Web Services API. ' +
      'Partitions reference it.',
    spec: cpcSubsetSpecSchema,
    status: cpcSubsetStatusSchema,
    rootValidations: [
      {
        rule: `size(self.metadata.name) <= ${MAX_CPCSUBSET_NAME_LENGTH}`,
        message: `metadata.name must be at most ${MAX_CPCSUBSET_NAME_LENGTH} characters (the HMC partition name OpenStack-<subset>-<uid> is limited to 64)`,
      },
    ],
    columns: [
      { name: 'HMC', type: 'string', jsonPath: '.spec.hmc.host', description: 'HMC host.' },
      { name: 'CPC', type: 'string', jsonPath: '.status.cpcName', description: 'CPC name.' },
      {
        name: 'Partitions',
        type: 'integer',
        jsonPath: '.status.usage.partitions',
        description: 'Partitions in use.',
      },
      {
        name: 'Max',
        type: 'integer',
        jsonPath: '.spec.limits.maxPartitions',
        description: 'Maximum partitions.',
      },
      readyColumn,
      ageColumn,
      {
        name: 'IFLs Used',
        type: 'integer',
        jsonPath: '.status.usage.processors',
        description: 'IFLs in use.',
        priority: 1,
      },
      {
        name: 'Memory Used',
        type: 'integer',
        jsonPath: '.status.usage.memoryMiB',
        description: 'Memory in use (MiB).',
        priority: 1,
      },
      { name: 'DPM', type: 'boolean', jsonPath: '.status.dpmEnabled', description: 'DPM mode.', priority: 1 },
      {
        name: 'Storage',
        type: 'string',
        jsonPath: '.status.storageModel',
        description: 'FCP storage model: StorageGroups or Hbas.',
        priority: 1,
      },
      reasonColumn,
    ],
  });
}
