// PartitionNic: one NIC of a Partition, backed by a virtual switch or a network adapter port.
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  type Condition,
  type CrdManifest,
  type LocalObjectReference,
  KIND,
  PATTERN,
  PLURAL,
  ageColumn,
  conditionsSchema,
  crdManifest,
  deviceNumberSchema,
  localRefSchema,
  objectIdSchema,
  observedGenerationSchema,
  readyColumn,
  reasonColumn,
  s,
} from './common.js';

/** Exactly one form: {objectId} or {adapterObjectId, port}. */
export interface VirtualSwitchSelector {
  /** Object-id of the HMC virtual switch (OSA / HiperSockets). */
  objectId?: string;
  /** Object-id of the network adapter whose port backs the NIC. */
  adapterObjectId?: string;
  /** Port of that adapter (0 or 1); required with adapterObjectId. */
  port?: number;
}

export interface PartitionNicSpec {
  /** Immutable. */
  partitionRef: LocalObjectReference;
  virtualSwitch: VirtualSwitchSelector;
  /** Locally administered unicast MAC, xx:xx:xx:xx:xx:xx. */
  mac: string;
  /** OSA port the guest uses (0 or 1); defaults to 0. */
  port: number;
  /** 4 hex digits; assigned by the HMC when omitted. */
  deviceNumber?: string;
  /** 1-4094. */
  vlanId?: number;
}

export interface PartitionNicStatus {
  elementUri?: string;
  hmcName?: string;
  deviceNumber?: string;
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface PartitionNic extends KubernetesObject {
  apiVersion: 'dpm.operator.dev/v1alpha1';
  kind: 'PartitionNic';
  metadata: NonNullable<KubernetesObject['metadata']>;
  spec: PartitionNicSpec;
  status?: PartitionNicStatus;
}

export const partitionNicSpecSchema = s.obj(
  'Desired state of the NIC.',
  {
    partitionRef: localRefSchema(
      'The Partition (same namespace) this NIC belongs to. Immutable.',
      'spec.partitionRef',
      true,
    ),
    virtualSwitch: s.obj(
      'The network backing, in exactly one form: {objectId} of a virtual switch (OSA, HiperSockets), or ' +
        '{adapterObjectId, port} of a network adapter port (the virtual switch backed by that port, or the port ' +
        'itself for RoCE/CNA/Network Express).',
      {
        objectId: objectIdSchema('Virtual switch'),
        adapterObjectId: objectIdSchema('Network adapter'),
        port: s.int('Port of the network adapter (0 or 1); required with adapterObjectId.', {
          minimum: 0,
          maximum: 1,
        }),
      },
      [],
      {
        'x-kubernetes-validations': [
          {
            rule: 'has(self.objectId) != has(self.adapterObjectId)',
            message:
              'spec.virtualSwitch must set exactly one of spec.virtualSwitch.objectId or spec.virtualSwitch.adapterObjectId (with port)',
          },
          {
            rule: 'has(self.adapterObjectId) == has(self.port)',
            message:
              'spec.virtualSwitch.port is required with, and only valid with, spec.virtualSwitch.adapterObjectId',
          },
        ],
      },
    ),
    mac: s.str(
      'MAC address xx:xx:xx:xx:xx:xx (any case); must be locally administered unicast (second hex digit 2, 6, a or e), as OSA rejects others.',
      {
        pattern: PATTERN.mac,
        maxLength: 17,
        'x-kubernetes-validations': [
          {
            rule: "self.matches('^.[26aeAE]')",
            message:
              'spec.mac must be a locally administered unicast MAC address (second hex digit 2, 6, a or e)',
            messageExpression:
              "'spec.mac ' + self + ' must be a locally administered unicast MAC address (second hex digit 2, 6, a or e)'",
          },
        ],
      },
    ),
    port: s.int('OSA port the guest uses for this NIC (0 or 1), passed on the kernel command line.', {
      minimum: 0,
      maximum: 1,
      default: 0,
    }),
    deviceNumber: deviceNumberSchema('Device number of the NIC; assigned by the HMC when omitted.'),
    vlanId: s.int('VLAN id (1-4094); untagged when omitted.', { minimum: 1, maximum: 4094 }),
  },
  ['partitionRef', 'virtualSwitch', 'mac'],
);

export const partitionNicStatusSchema = s.obj('Observed state of the HMC NIC.', {
  elementUri: s.str('HMC element-uri of the NIC.', { maxLength: 256 }),
  hmcName: s.str('Name of the NIC on the HMC.', { maxLength: 64 }),
  deviceNumber: deviceNumberSchema('Device number of the NIC on the HMC.'),
  observedGeneration: observedGenerationSchema,
  conditions: conditionsSchema,
});

export function partitionNicCrd(): CrdManifest {
  return crdManifest({
    kind: KIND.PartitionNic,
    plural: PLURAL.PartitionNic,
    shortName: 'pnic',
    description:
      'PartitionNic is one NIC of a Partition, backed by an HMC virtual switch or network adapter port.',
    spec: partitionNicSpecSchema,
    status: partitionNicStatusSchema,
    columns: [
      { name: 'Partition', type: 'string', jsonPath: '.spec.partitionRef.name', description: 'Partition.' },
      { name: 'MAC', type: 'string', jsonPath: '.spec.mac', description: 'MAC address.' },
      { name: 'Device', type: 'string', jsonPath: '.status.deviceNumber', description: 'Device number.' },
      readyColumn,
      ageColumn,
      { name: 'Port', type: 'integer', jsonPath: '.spec.port', description: 'OSA port.', priority: 1 },
      { name: 'VLAN', type: 'integer', jsonPath: '.spec.vlanId', description: 'VLAN id.', priority: 1 },
      {
        name: 'HMC Name',
        type: 'string',
        jsonPath: '.status.hmcName',
        description: 'HMC NIC name.',
        priority: 1,
      },
      reasonColumn,
    ],
  });
}
