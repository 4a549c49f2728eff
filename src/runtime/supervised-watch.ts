import { Watch, type KubeConfig } from '@kubernetes/client-node';

/** Hooks the informer uses to observe the stream's health. */
export interface WatchHooks {
  /** Any sign of life: connection established, an event or a bookmark arrived. */
  onActivity(): void;
  /** The watch request got a 200 response and is streaming. */
  onConnected(): void;
}

type WatchCallback = (phase: string, apiObj: unknown, watchObj?: unknown) => void;
type DoneCallback = (err: unknown) => void;
type QueryParams = Record<string, string | number | boolean | undefined>;

/**
 * client-node's `Watch` as used by its `ListWatch` informer, with what 1.4.0 lacks:
 * - `allowWatchBookmarks=true` and a server-side `timeoutSeconds`, so a healthy stream is never
 *   silent for long (bookmarks, periodic server close and resume from the last resourceVersion);
 * - access to the in-flight request so a watchdog can abort a half-open stream;
 * - `requestRelist()`: the next watch attempt is answered locally with a synthetic
 *   `410 Expired` ERROR event plus a clean close, which makes `ListWatch` drop its
 *   resourceVersion and relist (computing deletes for objects that vanished meanwhile).
 */
export class SupervisedWatch extends Watch {
  private current: AbortController | undefined;
  private relistPending = false;

  constructor(
    config: KubeConfig,
    private readonly hooks: WatchHooks,
    private readonly timeoutSeconds: () => number,
    /** Applied to each object of an ADDED, MODIFIED or DELETED event before it is passed on. */
    private readonly transform: (obj: unknown) => unknown = (obj) => obj,
  ) {
    super(config);
  }

  requestRelist(): void {
    this.relistPending = true;
  }

  /** Aborts the in-flight watch request, if any (its done callback then runs with an AbortError). */
  abortCurrent(): void {
    this.current?.abort();
    this.current = undefined;
  }

  override async watch(
    path: string,
    queryParams: QueryParams,
    callback: WatchCallback,
    done: DoneCallback,
  ): Promise<AbortController> {
    if (this.relistPending) {
      this.relistPending = false;
      const local = new AbortController();
      setImmediate(() => {
        callback('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'relist requested' });
        done(null);
      });
      return local;
    }
    let finished = false;
    const controller = await super.watch(
      path,
      { ...queryParams, allowWatchBookmarks: true, timeoutSeconds: this.timeoutSeconds() },
      (phase, apiObj, watchObj) => {
        this.hooks.onActivity();
        const changed = phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED';
        callback(phase, changed ? this.transform(apiObj) : apiObj, watchObj);
      },
      (err) => {
        finished = true;
        this.hooks.onActivity();
        done(err);
      },
    );
    if (!finished) {
      this.current = controller;
      this.hooks.onConnected();
    }
    return controller;
  }
}
