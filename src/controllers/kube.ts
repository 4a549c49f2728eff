// Writes to the Kubernetes API on behalf of the controllers: status through /status only, finalizers with
// JSON patches guarded by `test` so a concurrent change to the list is never clobbered.
import * as k8s from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, FINALIZER } from '../crds/index.js';

export interface ObjectRef {
  plural: string;
  namespace: string;
  name: string;
}

export interface CrObject {
  metadata: k8s.V1ObjectMeta;
}

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const jsonPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);

/**
 * What the controllers write to Kubernetes. The API server implementation is ApiKubeWriter; the fast test
 * tier uses an in-memory one (test/unit/reconcile/memory-kube.ts).
 */
export interface KubeWriter {
  /** Merge-patches the status subresource. */
  patchStatus(ref: ObjectRef, status: object): Promise<void>;
  /**
   * Adds our finalizer and the given annotations (each a no-op when already present) in one patch guarded
   * by the object's resourceVersion. Returns true when a patch was sent.
   */
  addFinalizer(ref: ObjectRef, obj: CrObject, annotations?: Record<string, string>): Promise<boolean>;
  /** Removes only our finalizer. Returns false when it was not there (or the object is gone). */
  removeFinalizer(ref: ObjectRef, obj: CrObject): Promise<boolean>;
}

/** JSON pointer escaping of one path segment (RFC 6901). */
const pointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

export class ApiKubeWriter implements KubeWriter {
  private readonly api: k8s.CustomObjectsApi;

  constructor(kc: k8s.KubeConfig) {
    this.api = kc.makeApiClient(k8s.CustomObjectsApi);
  }

  async patchStatus(ref: ObjectRef, status: object): Promise<void> {
    await this.api.patchNamespacedCustomObjectStatus(
      { group: API_GROUP, version: API_VERSION, ...ref, body: { status } },
      mergePatch,
    );
  }

  async addFinalizer(
    ref: ObjectRef,
    obj: CrObject,
    annotations: Record<string, string> = {},
  ): Promise<boolean> {
    const list = obj.metadata.finalizers;
    const have = obj.metadata.annotations;
    const missing = Object.entries(annotations).filter(([k, v]) => have?.[k] !== v);
    if (list?.includes(FINALIZER) && missing.length === 0) return false;
    const ops: object[] = [
      { op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion },
    ];
    if (!list) ops.push({ op: 'add', path: '/metadata/finalizers', value: [FINALIZER] });
    else if (!list.includes(FINALIZER))
      ops.push({ op: 'add', path: '/metadata/finalizers/-', value: FINALIZER });
    if (!have && missing.length)
      ops.push({ op: 'add', path: '/metadata/annotations', value: Object.fromEntries(missing) });
    else
      for (const [k, v] of missing)
        ops.push({ op: 'add', path: `/metadata/annotations/${pointer(k)}`, value: v });
    await this.api.patchNamespacedCustomObject(
      { group: API_GROUP, version: API_VERSION, ...ref, body: ops },
      jsonPatch,
    );
    return true;
  }

  /** The `test` op makes a concurrent edit fail (and the reconcile retry). */
  async removeFinalizer(ref: ObjectRef, obj: CrObject): Promise<boolean> {
    const list = obj.metadata.finalizers ?? [];
    const i = list.indexOf(FINALIZER);
    if (i < 0) return false;
    try {
      await this.api.patchNamespacedCustomObject(
        {
          group: API_GROUP,
          version: API_VERSION,
          ...ref,
          body: [
            { op: 'test', path: `/metadata/finalizers/${i}`, value: FINALIZER },
            { op: 'remove', path: `/metadata/finalizers/${i}` },
          ],
        },
        jsonPatch,
      );
    } catch (e) {
      if (isNotFound(e)) return false; // already gone
      throw e;
    }
    return true;
  }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof k8s.ApiException && e.code === 404;
}

export function isConflict(e: unknown): boolean {
  return e instanceof k8s.ApiException && (e.code === 409 || e.code === 422);
}
