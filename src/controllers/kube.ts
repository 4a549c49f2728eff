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

export class KubeWriter {
  private readonly api: k8s.CustomObjectsApi;

  constructor(kc: k8s.KubeConfig) {
    this.api = kc.makeApiClient(k8s.CustomObjectsApi);
  }

  /** Merge-patches the status subresource. */
  async patchStatus(ref: ObjectRef, status: object): Promise<void> {
    await this.api.patchNamespacedCustomObjectStatus(
      { group: API_GROUP, version: API_VERSION, ...ref, body: { status } },
      mergePatch,
    );
  }

  /** Adds our finalizer (no-op when present). Returns true when a patch was sent. */
  async addFinalizer(ref: ObjectRef, obj: CrObject): Promise<boolean> {
    const list = obj.metadata.finalizers;
    if (list?.includes(FINALIZER)) return false;
    const ops = list
      ? [
          { op: 'test', path: '/metadata/finalizers', value: list },
          { op: 'add', path: '/metadata/finalizers/-', value: FINALIZER },
        ]
      : [
          { op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion },
          { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
        ];
    await this.api.patchNamespacedCustomObject(
      { group: API_GROUP, version: API_VERSION, ...ref, body: ops },
      jsonPatch,
    );
    return true;
  }

  /** Removes only our finalizer; the `test` op makes a concurrent edit fail (and the reconcile retry). */
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
