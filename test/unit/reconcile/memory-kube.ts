// An in-memory Kubernetes for the fast reconcile tier: the controllers' own KubeWriter, ReadCache and EventSink
// interfaces over a map of objects (no client-node mocks). Semantics kept: resourceVersion-guarded metadata
// patches (422 on a stale version), merge-patched status (null deletes), deletion held by finalizers.
import { randomUUID } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { FINALIZER } from '../../../src/crds/index.js';
import type { CrObject, KubeWriter, ObjectRef } from '../../../src/controllers/kube.js';
import type { EventSink, EventTarget, ReadCache } from '../../../src/controllers/outcome.js';

type Obj = CrObject & { status?: object; spec?: unknown; kind?: string };

export interface RecordedEvent {
  type: 'Normal' | 'Warning';
  name: string;
  reason: string;
  message: string;
}

const conflict = (what: string): Error =>
  new k8s.ApiException(422, `${what}: the object has been modified`, { reason: 'Invalid' }, {});

/** A JSON value with every object's keys in sorted order. */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v === null || typeof v !== 'object' || v instanceof Date) return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, sortedKeys(o[k])]),
  );
}

export class MemoryKube implements KubeWriter, EventSink {
  private readonly store = new Map<string, Map<string, Obj>>(); // plural -> "ns/name" -> object
  private version = 1;
  readonly events: RecordedEvent[] = [];
  /** Called after every change of an object (what an informer event would bring). */
  onChange: (plural: string, obj: Obj) => void = () => undefined;
  /** Writes that fail once with 422 (a concurrent writer won), by "plural/name". */
  readonly conflictOnce = new Set<string>();
  /** Status patches received, by "plural/namespace/name". */
  readonly statusWrites = new Map<string, number>();

  private bucket(plural: string): Map<string, Obj> {
    let b = this.store.get(plural);
    if (!b) this.store.set(plural, (b = new Map()));
    return b;
  }

  /** Creates or replaces an object's spec/metadata (as `kubectl apply` does). */
  apply<T extends Obj>(plural: string, obj: T): T {
    const b = this.bucket(plural);
    const key = `${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`;
    const prev = b.get(key);
    const next = structuredClone(obj) as T;
    next.metadata.namespace ??= 'default';
    next.metadata.uid = prev?.metadata.uid ?? randomUUID();
    next.metadata.creationTimestamp =
      prev?.metadata.creationTimestamp ?? obj.metadata.creationTimestamp ?? new Date();
    next.metadata.generation = (prev?.metadata.generation ?? 0) + 1;
    next.metadata.finalizers = prev?.metadata.finalizers ?? next.metadata.finalizers;
    next.metadata.resourceVersion = String(++this.version);
    if (prev?.status) next.status = prev.status;
    b.set(key, next);
    this.onChange(plural, next);
    return next;
  }

  /** Deletes: held (deletionTimestamp) while finalizers remain. */
  delete(plural: string, namespace: string, name: string): void {
    const b = this.bucket(plural);
    const o = b.get(`${namespace}/${name}`);
    if (!o) return;
    if (o.metadata.finalizers?.length) {
      o.metadata.deletionTimestamp ??= new Date();
      o.metadata.resourceVersion = String(++this.version);
    } else b.delete(`${namespace}/${name}`);
    this.onChange(plural, o);
  }

  get<T extends Obj>(plural: string, namespace: string, name: string): T | undefined {
    return this.bucket(plural).get(`${namespace}/${name}`) as T | undefined;
  }

  cache<T extends Obj>(plural: string): ReadCache<T> {
    return {
      get: (ns, name) => this.get<T>(plural, ns, name),
      list: (ns) =>
        [...this.bucket(plural).values()].filter((o) => !ns || o.metadata.namespace === ns) as T[],
    };
  }

  private live(ref: ObjectRef): Obj | undefined {
    return this.bucket(ref.plural).get(`${ref.namespace}/${ref.name}`);
  }

  private failOnce(ref: ObjectRef): void {
    const k = `${ref.plural}/${ref.name}`;
    if (this.conflictOnce.delete(k)) throw conflict(k);
  }

  async patchStatus(ref: ObjectRef, status: object): Promise<void> {
    const o = this.live(ref);
    if (!o) throw new k8s.ApiException(404, 'not found', {}, {});
    this.failOnce(ref);
    const merged: Record<string, unknown> = { ...(o.status as Record<string, unknown> | undefined) };
    for (const [k, v] of Object.entries(structuredClone(status))) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    const key = `${ref.plural}/${ref.namespace}/${ref.name}`;
    this.statusWrites.set(key, (this.statusWrites.get(key) ?? 0) + 1);
    // Stored as the API server returns a custom resource: object keys sorted (Go's JSON of its map).
    o.status = sortedKeys(merged) as object;
    o.metadata.resourceVersion = String(++this.version);
    // Status-only changes bring no informer event the controllers act on.
  }

  async addFinalizer(
    ref: ObjectRef,
    obj: CrObject,
    annotations: Record<string, string> = {},
  ): Promise<boolean> {
    const o = this.live(ref);
    if (!o) throw new k8s.ApiException(404, 'not found', {}, {});
    const missing = Object.entries(annotations).filter(([k, v]) => obj.metadata.annotations?.[k] !== v);
    if (obj.metadata.finalizers?.includes(FINALIZER) && missing.length === 0) return false;
    this.failOnce(ref);
    if (o.metadata.resourceVersion !== obj.metadata.resourceVersion)
      throw conflict(`${ref.plural}/${ref.name}`);
    o.metadata.finalizers = [...new Set([...(o.metadata.finalizers ?? []), FINALIZER])];
    o.metadata.annotations = { ...o.metadata.annotations, ...Object.fromEntries(missing) };
    o.metadata.resourceVersion = String(++this.version);
    this.onChange(ref.plural, o);
    return true;
  }

  async removeFinalizer(ref: ObjectRef, obj: CrObject): Promise<boolean> {
    const o = this.live(ref);
    if (!o || !obj.metadata.finalizers?.includes(FINALIZER)) return false;
    this.failOnce(ref);
    o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    o.metadata.resourceVersion = String(++this.version);
    if (o.metadata.deletionTimestamp && o.metadata.finalizers.length === 0) {
      this.bucket(ref.plural).delete(`${ref.namespace}/${ref.name}`);
    }
    this.onChange(ref.plural, o);
    return true;
  }

  normal(obj: EventTarget, reason: string, message: string): void {
    this.events.push({ type: 'Normal', name: obj.metadata?.name ?? '', reason, message });
  }

  warning(obj: EventTarget, reason: string, message: string): void {
    this.events.push({ type: 'Warning', name: obj.metadata?.name ?? '', reason, message });
  }
}
