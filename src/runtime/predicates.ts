import type { KubernetesObject } from '@kubernetes/client-node';

/** An update filter: true means "enqueue". Pure; never mutates its arguments. */
export type UpdatePredicate<T extends KubernetesObject = KubernetesObject> = (
  oldObj: T,
  newObj: T,
) => boolean;

function sameStringMap(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): boolean {
  const ak = Object.keys(a ?? {});
  const bk = Object.keys(b ?? {});
  if (ak.length !== bk.length) return false;
  return ak.every((k) => (a ?? {})[k] === (b ?? {})[k] && Object.hasOwn(b ?? {}, k));
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function stamp(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value instanceof Date ? value.toISOString() : String(value);
}

/** metadata.generation changed (spec changes for CRDs with the status subresource). */
export function generationChanged(oldObj: KubernetesObject, newObj: KubernetesObject): boolean {
  return oldObj.metadata?.generation !== newObj.metadata?.generation;
}

/** labels, annotations, finalizers or deletionTimestamp changed. */
export function metadataChanged(oldObj: KubernetesObject, newObj: KubernetesObject): boolean {
  const o = oldObj.metadata ?? {};
  const n = newObj.metadata ?? {};
  return (
    !sameStringMap(o.labels, n.labels) ||
    !sameStringMap(o.annotations, n.annotations) ||
    !sameList(o.finalizers, n.finalizers) ||
    stamp(o.deletionTimestamp) !== stamp(n.deletionTimestamp)
  );
}

/**
 * The default update filter for reconcilers (BMO's updateEventHandler): enqueue on generation,
 * label, annotation, finalizer or deletionTimestamp changes; ignore status-only updates (and
 * resync re-emissions of an unchanged object).
 */
export function generationOrMetadataChanged(oldObj: KubernetesObject, newObj: KubernetesObject): boolean {
  return generationChanged(oldObj, newObj) || metadataChanged(oldObj, newObj);
}

/** Combines predicates: enqueue only when every one agrees. */
export function allOf<T extends KubernetesObject>(...predicates: UpdatePredicate<T>[]): UpdatePredicate<T> {
  return (o, n) => predicates.every((p) => p(o, n));
}

/** Combines predicates: enqueue when any one agrees. */
export function anyOf<T extends KubernetesObject>(...predicates: UpdatePredicate<T>[]): UpdatePredicate<T> {
  return (o, n) => predicates.some((p) => p(o, n));
}
