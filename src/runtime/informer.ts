import { ListWatch, type KubeConfig, type KubernetesObject, type ListPromise } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { exponentialBackoff } from './backoff.js';
import { realClock, type Clock } from './clock.js';
import { errorSummary } from './error-summary.js';
import { silentLogger } from './silent-logger.js';
import { SupervisedWatch } from './supervised-watch.js';

export interface InformerHandlers<T extends KubernetesObject> {
  add?(obj: T): void;
  /** `oldObj` is the previously seen version; on a resync both are the same object. */
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export interface SupervisedInformerOptions<T extends KubernetesObject> {
  readonly kubeConfig: KubeConfig;
  /** Collection path to watch, e.g. `/api/v1/namespaces/ns/configmaps` (see {@link watchPath}). */
  readonly path: string;
  /** Lists the same collection (with the same selectors), e.g. `() => core.listNamespacedConfigMap({namespace})`. */
  readonly list: ListPromise<T>;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Name for logs and metrics (e.g. the kind). */
  readonly name?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Restart delay after an informer error; default 500 ms doubling to 30 s, 20% jitter. */
  readonly backoff?: (attempt: number) => number;
  /** Server-side watch timeout; default random 300..600 s like client-go. */
  readonly watchTimeoutSeconds?: () => number;
  /**
   * A watch silent (no event, bookmark or reconnect) longer than this is aborted and restarted with
   * a relist. Default 150 s: the apiserver sends bookmarks about every minute.
   */
  readonly watchdogMs?: number;
  /** Full relist + re-emit of every object as an update; default 10 min, 0 disables. */
  readonly resyncMs?: number;
  /** Fraction of `resyncMs` randomly added or removed; default 0.1. */
  readonly resyncJitter?: number;
  readonly random?: () => number;
  /**
   * Applied to every object as it arrives (list and watch), before it is cached and handed to the
   * handlers; may change it in place (client-go's SetTransform). Default {@link stripForCache}.
   */
  transform?(obj: T): T;
}

/** The last-applied annotation `kubectl apply` (client-side) writes: a second copy of the object. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Drops what no controller reads and what makes up most of a cached object: `metadata.managedFields`
 * (two thirds of a Partition's JS objects, measured in a heap snapshot with 5000 Partitions) and kubectl's
 * last-applied annotation. `metadata` is rebuilt rather than `delete`d from, which would turn it into a
 * larger dictionary-mode object. The annotations object stays (possibly empty), so a JSON patch adding an
 * annotation to it still adds one key and never replaces the whole map. Returns `obj`.
 */
export function stripForCache<T extends KubernetesObject>(obj: T): T {
  const m = obj.metadata;
  const lastApplied = m?.annotations !== undefined && LAST_APPLIED_ANNOTATION in m.annotations;
  if (!m || (m.managedFields === undefined && !lastApplied)) return obj;
  const { managedFields: _dropped, ...meta } = m;
  if (lastApplied) {
    const { [LAST_APPLIED_ANNOTATION]: _applied, ...annotations } = m.annotations!;
    meta.annotations = annotations;
  }
  obj.metadata = meta;
  return obj;
}

export interface InformerStats {
  /** Completed list calls (initial list, relists after 410, watchdog and resync relists). */
  readonly lists: number;
  /** Restarts after an `error` from the underlying informer. */
  readonly restarts: number;
  readonly watchdogTrips: number;
  readonly resyncs: number;
}

/** Path of a collection: core (`v1`) or grouped (`group/version`), cluster-wide or namespaced. */
export function watchPath(apiVersion: string, plural: string, namespace?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace ? `${base}/namespaces/${namespace}/${plural}` : `${base}/${plural}`;
}

function keyOf(obj: KubernetesObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

/**
 * client-node's informer (`ListWatch`) for one resource, supervised:
 * - restarts after `error` (which stops the 1.4.0 informer) with backoff; resumes from the last
 *   resourceVersion, the server replays what was missed or answers 410 and the informer relists;
 * - a watchdog aborts a stream silent longer than `watchdogMs` and restarts it with a relist;
 * - a periodic resync relists and re-emits every object as an update (`oldObj === newObj`);
 * - handler exceptions are logged and never break the watch loop.
 * Objects from the initial list come through the typed client (Date fields), objects from the
 * watch stream are plain JSON (string timestamps): compare timestamps as strings.
 */
export class SupervisedInformer<T extends KubernetesObject> {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly inner: ListWatch<T>;
  private readonly watch: SupervisedWatch;
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly seen = new Map<string, T>();
  private readonly backoff: (attempt: number) => number;
  private readonly watchdogMs: number;
  private readonly resyncMs: number;
  private readonly resyncJitter: number;
  private readonly random: () => number;
  private readonly stopController = new AbortController();
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private started = false;
  private watching = false;
  private attempt = 0;
  private lastActivityAt: number;
  private expectedAbort = false;
  private resyncPending = false;
  private emittedThisList = new Set<string>();
  private counters = { lists: 0, restarts: 0, watchdogTrips: 0, resyncs: 0 };

  constructor(private readonly options: SupervisedInformerOptions<T>) {
    this.clock = options.clock ?? realClock;
    this.log = (options.logger ?? silentLogger).child({ informer: options.name ?? options.path });
    this.backoff = options.backoff ?? exponentialBackoff({ baseMs: 500, maxMs: 30_000, jitter: 0.2 });
    this.watchdogMs = options.watchdogMs ?? 150_000;
    this.resyncMs = options.resyncMs ?? 600_000;
    this.resyncJitter = options.resyncJitter ?? 0.1;
    this.random = options.random ?? Math.random;
    this.lastActivityAt = this.clock.now();
    const timeout = options.watchTimeoutSeconds ?? (() => Math.floor(300 + 300 * this.random()));
    const transform = (obj: T): T => (options.transform ? options.transform(obj) : stripForCache(obj));
    this.watch = new SupervisedWatch(
      options.kubeConfig,
      {
        onActivity: () => this.touch(),
        onConnected: () => {
          this.attempt = 0;
          this.touch();
          this.afterList();
        },
      },
      timeout,
      (obj) => transform(obj as T),
    );
    const list: ListPromise<T> = async () => {
      this.watching = false;
      this.emittedThisList = new Set();
      const result = await options.list();
      this.counters.lists++;
      return { ...result, items: result.items.map(transform) };
    };
    this.inner = new ListWatch<T>(
      options.path,
      this.watch,
      list,
      false,
      options.labelSelector,
      options.fieldSelector,
    );
    this.inner.on('add', (obj) => this.onAdd(obj));
    this.inner.on('update', (obj) => this.onUpdate(obj));
    this.inner.on('delete', (obj) => this.onDelete(obj));
    this.inner.on('error', (err) => this.onError(err));
  }

  /** Registers handlers; register before `start` to see the initial adds. */
  addEventHandler(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
  }

  /** Starts list+watch and the watchdog/resync loops. Resolves once started (not synced). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    void this.watchdogLoop();
    if (this.resyncMs > 0) void this.resyncLoop();
    await this.inner.start();
  }

  /** Stops everything; handlers are not called afterwards. */
  async stop(): Promise<void> {
    if (this.stopController.signal.aborted) return;
    this.stopController.abort();
    this.watching = false;
    for (const wake of this.syncWaiters.splice(0)) wake();
    await this.inner.stop();
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.inner.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.inner.list(namespace);
  }

  /** True once the first list has been delivered to the handlers. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true when synced, false if the informer stops or `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => resolve(this.synced);
      if (signal?.aborted || this.stopController.signal.aborted) return done();
      signal?.addEventListener('abort', done, { once: true });
      this.syncWaiters.push(done);
    });
  }

  /** Time of the last sign of life of the watch loop (event, bookmark, (re)connect, restart). */
  lastActivity(): number {
    return this.lastActivityAt;
  }

  /**
   * False when the watch loop looks wedged: started, not stopped, and no sign of life for
   * `factor` watchdog periods (the watchdog itself should have restarted it long before).
   */
  isHealthy(factor = 2): boolean {
    if (!this.started || this.stopController.signal.aborted) return true;
    return this.clock.now() - this.lastActivityAt <= this.watchdogMs * factor;
  }

  stats(): InformerStats {
    return { ...this.counters };
  }

  /** Forces a relist now (also used by the watchdog and the resync loop). */
  relist(): void {
    if (this.stopController.signal.aborted) return;
    this.watch.requestRelist();
    if (this.watching) {
      this.expectedAbort = true;
      this.watching = false;
      this.watch.abortCurrent();
    }
  }

  private touch(): void {
    this.lastActivityAt = this.clock.now();
  }

  /** Called when a watch connects: the preceding list (if any) has been applied to the cache. */
  private afterList(): void {
    this.watching = true;
    if (!this.synced) {
      this.synced = true;
      for (const wake of this.syncWaiters.splice(0)) wake();
    }
    if (this.resyncPending) {
      this.resyncPending = false;
      this.counters.resyncs++;
      for (const obj of this.inner.list()) {
        if (!this.emittedThisList.has(keyOf(obj))) this.dispatch((h) => h.update?.(obj, obj));
      }
    }
    // Only needed between a list and its watch; holding a key per object until the next list is waste.
    this.emittedThisList = new Set();
  }

  /** Keys emitted while a list is applied: the resync that follows skips them (they were just emitted). */
  private noteEmitted(key: string): void {
    if (!this.watching) this.emittedThisList.add(key);
  }

  private onAdd(obj: T): void {
    const key = keyOf(obj);
    this.seen.set(key, obj);
    this.noteEmitted(key);
    this.dispatch((h) => h.add?.(obj));
  }

  private onUpdate(obj: T): void {
    const key = keyOf(obj);
    const old = this.seen.get(key) ?? obj;
    this.seen.set(key, obj);
    this.noteEmitted(key);
    this.dispatch((h) => h.update?.(old, obj));
  }

  private onDelete(obj: T): void {
    const key = keyOf(obj);
    this.seen.delete(key);
    this.noteEmitted(key);
    this.dispatch((h) => h.delete?.(obj));
  }

  private dispatch(call: (h: InformerHandlers<T>) => void): void {
    if (this.stopController.signal.aborted) return;
    for (const handler of this.handlers) {
      try {
        call(handler);
      } catch (error) {
        this.log.error({ err: error }, 'informer event handler threw');
      }
    }
  }

  private onError(err: unknown): void {
    this.watching = false;
    if (this.stopController.signal.aborted) return;
    const expected = this.expectedAbort;
    this.expectedAbort = false;
    const delay = expected ? 0 : this.backoff(this.attempt++);
    if (!expected) {
      // One short line (the full error at debug): a transient start-up error must not flood the log.
      this.log.warn(
        { error: errorSummary(err), delayMs: Math.round(delay) },
        'informer stopped with an error; restarting',
      );
      this.log.debug({ err }, 'informer error');
    }
    this.touch();
    void this.clock.sleep(delay, this.stopController.signal).then(async () => {
      if (this.stopController.signal.aborted) return;
      this.counters.restarts++;
      this.touch();
      await this.inner.start().catch((error: unknown) => this.onError(error));
    });
  }

  private async watchdogLoop(): Promise<void> {
    const signal = this.stopController.signal;
    const period = Math.max(10, this.watchdogMs / 4);
    while (!signal.aborted) {
      await this.clock.sleep(period, signal);
      if (signal.aborted) return;
      if (this.watching && this.clock.now() - this.lastActivityAt > this.watchdogMs) {
        this.counters.watchdogTrips++;
        this.log.warn(
          { silentMs: this.clock.now() - this.lastActivityAt },
          'watch silent too long; relisting',
        );
        this.touch();
        this.relist();
      }
    }
  }

  private async resyncLoop(): Promise<void> {
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      const jitter = (this.random() * 2 - 1) * this.resyncJitter;
      await this.clock.sleep(this.resyncMs * (1 + jitter), signal);
      if (signal.aborted) return;
      this.resyncPending = true;
      this.relist();
    }
  }
}
