// PartitionHba: one FCP HBA of a Partition on a storage adapter port.
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  type AdapterPort,
  type Condition,
  type CrdManifest,
  type LocalObjectReference,
  KIND,
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

export interface PartitionHbaSpec {
  /** Immutable. */
  partitionRef: LocalObjectReference;
  /** port 0-3. */
  adapterPort: AdapterPort;
  /** 4 hex digits; assigned by the HMC when omitted. */
  deviceNumber?: string;
}

export interface PartitionHbaStatus {
  elementUri?: string;
  hmcName?: string;
  /** Assigned by the HMC (16 hex digits). */
  wwpn?: string;
  deviceNumber?: string;
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface PartitionHba extends KubernetesObject {
  apiVersion: 'dpm.operator.dev/v1alpha1';
  kind: 'PartitionHba';
  metadata: NonNullable<KubernetesObject['metadata']>;
  spec: PartitionHbaSpec;
  status?: PartitionHbaStatus;
}

export const partitionHbaSpecSchema = s.obj(
  'Desired state of the HBA.',
  {
    partitionRef: localRefSchema(
      'The Partition (same namespace) this HBA belongs to. Immutable.',
      'spec.partitionRef',
      true,
    ),
    adapterPort: adapterPortSchema('The FCP storage adapter port (adapter object-id, port 0-3).', 3),
    deviceNumber: deviceNumberSchema('Device number of the HBA; assigned by the HMC when omitted.'),
  },
  ['partitionRef', 'adapterPort'],
);

export const partitionHbaStatusSchema = s.obj('Observed state of the HMC HBA.', {
  elementUri: s.str('HMC element-uri of the HBA.', { maxLength: 256 }),
  hmcName: s.str('Name of the HBA on the HMC.', { maxLength: 64 }),
  wwpn: s.str('WWPN assigned by the HMC (16 hex digits); hand it to the storage for LUN masking.', {
    maxLength: 16,
  }),
  deviceNumber: deviceNumberSchema('Device number of the HBA on the HMC.'),
  observedGeneration: observedGenerationSchema,
  conditions: conditionsSchema,
});

export function partitionHbaCrd(): CrdManifest {
  return crdManifest({
    kind: KIND.PartitionHba,
    plural: PLURAL.PartitionHba,
    shortName: 'phba',
    description: 'PartitionHba is one FCP HBA of a Partition on a storage adapter port.',
    spec: partitionHbaSpecSchema,
    status: partitionHbaStatusSchema,
    columns: [
      { name: 'Partition', type: 'string', jsonPath: '.spec.partitionRef.name', description: 'Partition.' },
      { name: 'WWPN', type: 'string', jsonPath: '.status.wwpn', description: 'WWPN assigned by the HMC.' },
      { name: 'Device', type: 'string', jsonPath: '.status.deviceNumber', description: 'Device number.' },
      readyColumn,
      ageColumn,
      {
        name: 'Adapter',
        type: 'string',
        jsonPath: '.spec.adapterPort.adapterObjectId',
        description: 'Adapter object-id.',
        priority: 1,
      },
      {
        name: 'Port',
        type: 'integer',
        jsonPath: '.spec.adapterPort.port',
        description: 'Adapter port.',
        priority: 1,
      },
      {
        name: 'HMC Name',
        type: 'string',
        jsonPath: '.status.hmcName',
        description: 'HMC HBA name.',
        priority: 1,
      },
      reasonColumn,
    ],
  });
}
