// What a reconcile pass tells the work queue. Exactly one of: done, requeue after a delay (resets the
// backoff), or retry (rate-limited with per-key exponential backoff; the error is logged). Problems only the
// user can fix are reported as conditions and return `done`.

export type Outcome =
  { kind: 'done' } | { kind: 'requeue'; afterMs: number } | { kind: 'retry'; error: unknown };

export const done: Outcome = { kind: 'done' };
export const requeue = (afterMs = 0): Outcome => ({ kind: 'requeue', afterMs });
export const retry = (error: unknown): Outcome => ({ kind: 'retry', error });

/** Reads from an informer cache: the controllers never list the API server per reconcile. */
export interface ReadCache<T> {
  get(namespace: string, name: string): T | undefined;
  list(namespace?: string): T[];
}

/** Kubernetes Events for every HMC action and failure. */
export interface EventSink {
  normal(obj: EventTarget, reason: string, message: string): void;
  warning(obj: EventTarget, reason: string, message: string): void;
}

export interface EventTarget {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}
