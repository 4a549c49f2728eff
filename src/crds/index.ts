// The dpm.operator.dev CRDs: one source of truth for the TypeScript types, the OpenAPI schemas and
// the generated manifests in deploy/crds (tools/gen-crds.ts).
import type { V1CustomResourceDefinition, V1JSONSchemaProps } from '@kubernetes/client-node';
import type { CrdManifest, JSONSchemaProps } from './common.js';
import { cpcSubsetCrd } from './cpcsubset.js';
import { partitionCrd } from './partition.js';
import { partitionHbaCrd } from './partitionhba.js';
import { partitionNicCrd } from './partitionnic.js';
import { storageGroupCrd } from './storagegroup.js';

export * from './common.js';
export * from './cpcsubset.js';
export * from './partition.js';
export * from './partitionnic.js';
export * from './partitionhba.js';
export * from './storagegroup.js';
export * from './reasons.js';

/** The CRD manifests in wire form (exactly what deploy/crds holds), in a stable order. */
export function crdManifests(): CrdManifest[] {
  return [cpcSubsetCrd(), partitionCrd(), partitionNicCrd(), partitionHbaCrd(), storageGroupCrd()];
}

// Wire keys whose @kubernetes/client-node model property name differs.
const CLIENT_KEY: Record<string, string> = {
  default: '_default',
  enum: '_enum',
  $ref: 'ref',
  $schema: 'schema',
  'x-kubernetes-validations': 'x_kubernetes_validations',
  'x-kubernetes-list-type': 'x_kubernetes_list_type',
  'x-kubernetes-list-map-keys': 'x_kubernetes_list_map_keys',
  'x-kubernetes-map-type': 'x_kubernetes_map_type',
  'x-kubernetes-preserve-unknown-fields': 'x_kubernetes_preserve_unknown_fields',
  'x-kubernetes-int-or-string': 'x_kubernetes_int_or_string',
  'x-kubernetes-embedded-resource': 'x_kubernetes_embedded_resource',
};

/** Converts a wire-form schema to the client-node model (whose serializer maps it back to wire form). */
export function toClientSchema(schema: JSONSchemaProps): V1JSONSchemaProps {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (v === undefined) continue;
    if (k === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(v as Record<string, JSONSchemaProps>).map(([p, ps]) => [p, toClientSchema(ps)]),
      );
    } else if (k === 'items') {
      // client-node types `items` as `any` and serializes it verbatim: it must stay in wire form, or the
      // apiserver silently drops the converted keys (_default, _enum, x_kubernetes_validations) of list items.
      out.items = v;
    } else {
      out[CLIENT_KEY[k] ?? k] = v;
    }
  }
  return out as V1JSONSchemaProps;
}

/**
 * Converts a wire-form CRD manifest (e.g. parsed from deploy/crds) to the client-node model.
 * Needed because client-node's serializer only knows model property names: a wire-form object
 * passed to a typed API (or to KubernetesObjectApi) silently loses `default`, `enum` and every
 * `x-kubernetes-*` key.
 */
export function toClientCrd(m: CrdManifest): V1CustomResourceDefinition {
  return {
    apiVersion: m.apiVersion,
    kind: m.kind,
    metadata: { ...m.metadata },
    spec: {
      ...m.spec,
      names: { ...m.spec.names },
      versions: m.spec.versions.map((v) => ({
        ...v,
        schema: { openAPIV3Schema: toClientSchema(v.schema.openAPIV3Schema) },
      })),
    },
  };
}

/** The CRDs as client-node models, ready for ApiextensionsV1Api.createCustomResourceDefinition. */
export function allCrds(): V1CustomResourceDefinition[] {
  return crdManifests().map(toClientCrd);
}
