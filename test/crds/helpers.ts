// Shared helpers of the CRD tests: install the generated CRDs on the real apiserver, create objects,
// and read the apiserver's rejection message.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { readFile, readdir } from 'node:fs/promises';
import yaml from 'js-yaml';
import {
  API_GROUP,
  API_VERSION,
  type CrdManifest,
  KIND,
  PLURAL,
  type Kind,
  toClientCrd,
} from '../../src/crds/index.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const crdDir = join(repoRoot, 'deploy', 'crds');
export const samplesDir = join(repoRoot, 'deploy', 'samples');

export const pluralOf: Record<Kind, string> = {
  [KIND.CpcSubset]: PLURAL.CpcSubset,
  [KIND.Partition]: PLURAL.Partition,
  [KIND.PartitionNic]: PLURAL.PartitionNic,
  [KIND.PartitionHba]: PLURAL.PartitionHba,
  [KIND.StorageGroup]: PLURAL.StorageGroup,
};

export async function waitEstablished(kc: k8s.KubeConfig, names: string[]): Promise<void> {
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  for (const name of names) {
    for (let i = 0; ; i++) {
      const crd = await ext.readCustomResourceDefinition({ name });
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (i > 200) throw new Error(`CRD ${name} not Established`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Installs the CRD manifests of deploy/crds (create, or replace when present: other suites may
 * install the same CRDs) and waits until they are Established. Goes through toClientCrd because
 * client-node drops wire-form schema keys (default, enum, x-kubernetes-*) of typed objects.
 */
export async function installCrds(kc: k8s.KubeConfig): Promise<string[]> {
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const files = (await readdir(crdDir)).filter((f) => f.endsWith('.yaml')).sort();
  const names: string[] = [];
  for (const f of files) {
    const crd = toClientCrd(yaml.load(await readFile(join(crdDir, f), 'utf8')) as CrdManifest);
    const name = crd.metadata!.name!;
    for (let attempt = 0; ; attempt++) {
      try {
        const existing = await ext.readCustomResourceDefinition({ name }).catch((e: unknown) => {
          if (e instanceof k8s.ApiException && e.code === 404) return undefined;
          throw e;
        });
        if (existing) {
          crd.metadata = { ...crd.metadata, resourceVersion: existing.metadata?.resourceVersion };
          await ext.replaceCustomResourceDefinition({ name, body: crd });
        } else {
          await ext.createCustomResourceDefinition({ body: crd });
        }
        break;
      } catch (e) {
        // A concurrent installer won the race: re-read and retry.
        if (!(e instanceof k8s.ApiException && e.code === 409) || attempt > 10) throw e;
      }
    }
    names.push(name);
  }
  await waitEstablished(kc, names);
  return names;
}

export interface Obj {
  apiVersion: string;
  kind: Kind;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec: Record<string, unknown>;
}

export function customApi(kc: k8s.KubeConfig): k8s.CustomObjectsApi {
  return kc.makeApiClient(k8s.CustomObjectsApi);
}

export async function create(kc: k8s.KubeConfig, ns: string, obj: Obj, dryRun = false): Promise<Obj> {
  return (await customApi(kc).createNamespacedCustomObject({
    group: API_GROUP,
    version: API_VERSION,
    namespace: ns,
    plural: pluralOf[obj.kind],
    body: obj,
    ...(dryRun ? { dryRun: 'All' } : {}),
  })) as Obj;
}

export async function replace(kc: k8s.KubeConfig, ns: string, obj: Obj): Promise<Obj> {
  return (await customApi(kc).replaceNamespacedCustomObject({
    group: API_GROUP,
    version: API_VERSION,
    namespace: ns,
    plural: pluralOf[obj.kind],
    name: obj.metadata.name,
    body: obj,
  })) as Obj;
}

export async function get(kc: k8s.KubeConfig, ns: string, kind: Kind, name: string): Promise<Obj> {
  return (await customApi(kc).getNamespacedCustomObject({
    group: API_GROUP,
    version: API_VERSION,
    namespace: ns,
    plural: pluralOf[kind],
    name,
  })) as Obj;
}

/** Runs `fn`, expects a 422 from the apiserver, and returns the Status message. */
export async function rejection(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof k8s.ApiException) {
      const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
      let message = body;
      try {
        message = (JSON.parse(body) as { message?: string }).message ?? body;
      } catch {
        // not JSON: keep the raw body
      }
      if (e.code !== 422) throw new Error(`expected 422, got ${e.code}: ${message}`);
      return message;
    }
    throw e;
  }
  throw new Error('expected the apiserver to reject the request, but it was accepted');
}
