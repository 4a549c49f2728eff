// Shared pieces of the dpm.operator.dev CRDs: API constants, the Condition type and schema, object
// references, hex patterns and a small builder for OpenAPI v3 structural schemas (wire form, i.e. the
// exact keys that appear in YAML: `default`, `x-kubernetes-validations`, ...).

/** API group of every dpm-operator resource. */
export const API_GROUP = 'dpm.operator.dev';
/** The only served (and storage) version. */
export const API_VERSION = 'v1alpha1';
/** `apiVersion` value of every dpm-operator object. */
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}` as const;

export const KIND = {
  CpcSubset: 'CpcSubset',
  Partition: 'Partition',
  PartitionNic: 'PartitionNic',
  PartitionHba: 'PartitionHba',
  StorageGroup: 'StorageGroup',
} as const;
export type Kind = (typeof KIND)[keyof typeof KIND];

export const PLURAL = {
  CpcSubset: 'cpcsubsets',
  Partition: 'partitions',
  PartitionNic: 'partitionnics',
  PartitionHba: 'partitionhbas',
  StorageGroup: 'storagegroups',
} as const;
export type Plural = (typeof PLURAL)[keyof typeof PLURAL];

/** Finalizer placed on every object before the first HMC side effect. */
export const FINALIZER = 'dpm.operator.dev/finalizer';
/** Annotation: any value other than "false" stops reconciling the object. */
export const ANNOTATION_PAUSED = 'dpm.operator.dev/paused';
/** Annotation: a new value requests an immediate reconcile; echoed to status.lastHandledReconcileAt. */
export const ANNOTATION_RECONCILE_REQUESTED_AT = 'dpm.operator.dev/reconcile-requested-at';

/** Category shared by all CRDs: `kubectl get dpm`. */
export const CATEGORY = 'dpm';

/**
 * CpcSubset names are bounded so that the HMC partition name
 * `OpenStack-<subset>-<partition uid (36)>` stays within the HMC's 64 characters.
 */
export const MAX_CPCSUBSET_NAME_LENGTH = 17;
/** HMC limit of `boot-os-specific-parameters` (the whole string). */
export const MAX_BOOT_OS_SPECIFIC_PARAMETERS_LENGTH = 256;

// ---------------------------------------------------------------------------------------------
// Conditions

export const CONDITION_TYPE = {
  /** Summary: the object matches its spec on the HMC and is usable. */
  Ready: 'Ready',
  /** The last reconcile pass succeeded (False carries the failure reason). */
  Synced: 'Synced',
} as const;
export type ConditionType = (typeof CONDITION_TYPE)[keyof typeof CONDITION_TYPE];

export type ConditionStatus = 'True' | 'False' | 'Unknown';

// Condition reasons and their classes: src/crds/reasons.ts (the one catalogue).

/** Same shape as metav1.Condition. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  /** CamelCase, machine readable. */
  reason: string;
  message?: string;
  observedGeneration?: number;
  /** RFC 3339; changes only when `status` changes. */
  lastTransitionTime: string;
}

/** Returns the condition of the given type, if present. */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * Returns a new list with `cond` set: `lastTransitionTime` is kept when the status does not
 * change, otherwise it is `now`. Order of other conditions is preserved; the input is not mutated.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  cond: Omit<Condition, 'lastTransitionTime'>,
  now: Date = new Date(),
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === cond.type);
  const prev = i >= 0 ? list[i] : undefined;
  const lastTransitionTime =
    prev && prev.status === cond.status
      ? prev.lastTransitionTime
      : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const next: Condition = { ...cond, lastTransitionTime };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

// ---------------------------------------------------------------------------------------------
// Shared spec/status types

/** Reference to an object of a known kind in the same namespace. */
export interface LocalObjectReference {
  name: string;
}

/** A port of an HMC adapter, by the adapter's object-id. */
export interface AdapterPort {
  adapterObjectId: string;
  port: number;
}

// ---------------------------------------------------------------------------------------------
// Schema (wire form)

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

/** OpenAPI v3 schema as written in a CRD manifest (subset used here). */
export interface JSONSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  format?: string;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  items?: JSONSchemaProps;
  default?: unknown;
  enum?: (string | number | boolean)[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  nullable?: boolean;
  'x-kubernetes-validations'?: ValidationRule[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

/** A CustomResourceDefinition as written in YAML (apiextensions.k8s.io/v1). */
export interface CrdManifest {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: JSONSchemaProps };
    }[];
  };
}

// Patterns (anchored; the HMC compares hex case-insensitively, so both cases are accepted).
export const PATTERN = {
  /** 16 hex digits, e.g. 500507680b2145f0. */
  wwpn: '^[0-9a-fA-F]{16}$',
  /** 1-16 hex digits. */
  lun: '^[0-9a-fA-F]{1,16}$',
  /** 4 hex digits, e.g. 0a00. */
  deviceNumber: '^[0-9a-fA-F]{4}$',
  /** xx:xx:xx:xx:xx:xx, any case. */
  mac: '^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$',
  /** HMC object-ids are UUID-shaped; tolerate any hex-and-dash id up to 36 characters. */
  objectId: '^[0-9a-fA-F][0-9a-fA-F-]{0,35}$',
  /** Kubernetes object name (DNS-1123 subdomain). */
  dnsSubdomain: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
  /** Kubernetes secret data key. */
  secretKey: '^[-._a-zA-Z0-9]+$',
  /** Condition reason (metav1.Condition). */
  reason: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
} as const;

type Extra = Omit<JSONSchemaProps, 'type' | 'description'>;

export const s = {
  str(description: string, extra: Extra = {}): JSONSchemaProps {
    return { type: 'string', description, ...extra };
  },
  int(description: string, extra: Extra = {}): JSONSchemaProps {
    return { type: 'integer', description, ...extra };
  },
  int64(description: string, extra: Extra = {}): JSONSchemaProps {
    return { type: 'integer', format: 'int64', description, ...extra };
  },
  bool(description: string, extra: Extra = {}): JSONSchemaProps {
    return { type: 'boolean', description, ...extra };
  },
  obj(
    description: string,
    properties: Record<string, JSONSchemaProps>,
    required: string[] = [],
    extra: Extra = {},
  ): JSONSchemaProps {
    return { type: 'object', description, properties, ...(required.length ? { required } : {}), ...extra };
  },
  arr(description: string, items: JSONSchemaProps, maxItems: number, extra: Extra = {}): JSONSchemaProps {
    return { type: 'array', description, items, maxItems, ...extra };
  },
  enum<T extends string>(description: string, values: readonly T[], def?: T): JSONSchemaProps {
    return { type: 'string', description, enum: [...values], ...(def !== undefined ? { default: def } : {}) };
  },
};

/** `{name}` reference to another object in the same namespace; optionally immutable. */
export function localRefSchema(description: string, field: string, immutable: boolean): JSONSchemaProps {
  return s.obj(
    description,
    { name: s.str('Name of the referenced object in the same namespace.', { minLength: 1, maxLength: 253 }) },
    ['name'],
    immutable
      ? { 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: `${field} is immutable` }] }
      : {},
  );
}

export function objectIdSchema(description: string): JSONSchemaProps {
  return s.str(`${description} HMC object-id (UUID-shaped, hex digits and dashes).`, {
    pattern: PATTERN.objectId,
    minLength: 1,
    maxLength: 36,
  });
}

export function adapterPortSchema(description: string, maxPort: number): JSONSchemaProps {
  return s.obj(
    description,
    {
      adapterObjectId: objectIdSchema('Object-id of the adapter.'),
      port: s.int(`Port index on the adapter (0-${maxPort}).`, { minimum: 0, maximum: maxPort }),
    },
    ['adapterObjectId', 'port'],
  );
}

export function deviceNumberSchema(description: string): JSONSchemaProps {
  return s.str(`${description} 4 hex digits, e.g. 0a00.`, { pattern: PATTERN.deviceNumber, maxLength: 4 });
}

export const conditionsSchema: JSONSchemaProps = s.arr(
  'Current state as standard conditions (Ready, Synced, ...), one per type.',
  s.obj(
    'A condition: one aspect of the current state.',
    {
      type: s.str('Type of the condition, e.g. Ready or Synced.', { minLength: 1, maxLength: 316 }),
      status: s.enum('True, False or Unknown.', ['True', 'False', 'Unknown']),
      reason: s.str('Machine-readable CamelCase reason for the last transition.', {
        minLength: 1,
        maxLength: 1024,
        pattern: PATTERN.reason,
      }),
      message: s.str('Human-readable details.', { maxLength: 32768 }),
      observedGeneration: s.int64('metadata.generation the condition was computed from.', { minimum: 0 }),
      lastTransitionTime: s.str('Last time the status changed (RFC 3339).', { format: 'date-time' }),
    },
    ['type', 'status', 'reason', 'lastTransitionTime'],
  ),
  32,
  { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
);

export const observedGenerationSchema = s.int64('metadata.generation last processed by the controller.', {
  minimum: 0,
});

/** Printer columns common to every kind. */
export const readyColumn: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: 'Status of the Ready condition.',
};
export const reasonColumn: PrinterColumn = {
  name: 'Reason',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
  description: 'Reason of the Ready condition.',
  priority: 1,
};
export const ageColumn: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
};

/** Builds a namespaced CRD manifest with a status subresource and the `dpm` category. */
export function crdManifest(opts: {
  kind: Kind;
  plural: Plural;
  shortName: string;
  description: string;
  spec: JSONSchemaProps;
  status: JSONSchemaProps;
  columns: PrinterColumn[];
  rootValidations?: ValidationRule[];
}): CrdManifest {
  const singular = opts.kind.toLowerCase();
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${opts.plural}.${API_GROUP}` },
    spec: {
      group: API_GROUP,
      scope: 'Namespaced',
      names: {
        kind: opts.kind,
        listKind: `${opts.kind}List`,
        plural: opts.plural,
        singular,
        shortNames: [opts.shortName],
        categories: [CATEGORY],
      },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: opts.columns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: opts.description,
              required: ['spec'],
              properties: {
                apiVersion: s.str(
                  'APIVersion defines the versioned schema of this representation of an object.',
                ),
                kind: s.str('Kind is a string value representing the REST resource this object represents.'),
                spec: opts.spec,
                status: opts.status,
              },
              ...(opts.rootValidations ? { 'x-kubernetes-validations': opts.rootValidations } : {}),
            },
          },
        },
      ],
    },
  };
}
