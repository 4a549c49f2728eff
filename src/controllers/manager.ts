// Wires informers, work queues, the HMC connections and the reconcilers together (controller-runtime's
// manager). Event filtering and key mapping live here, not in the reconcilers.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  ANNOTATION_RECONCILE_REQUESTED_AT,
  API_GROUP,
  API_GROUP_VERSION,
  API_VERSION,
  PLURAL,
  type CpcSubset,
  type Partition,
  type PartitionHba,
  type PartitionNic,
  type StorageGroup,
} from '../crds/index.js';
import { SupervisedInformer, watchPath } from '../runtime/informer.js';
import { generationOrMetadataChanged } from '../runtime/predicates.js';
import { WorkQueue } from '../runtime/workqueue.js';
import type { SessionLedger } from '../hmc/session-ledger.js';
import { ChildIndex } from './child-index.js';
import { HmcConnections, type HmcConnection } from './connections.js';
import { CpcSubsetReconciler } from './cpcsubset/reconciler.js';
import { ApiKubeWriter } from './kube.js';
import type { EventSink, Outcome, ReadCache } from './outcome.js';
import { PartitionReconciler } from './partition/reconciler.js';
import { storageGroupUriOf } from './storagegroup/observe.js';
import { StorageGroupReconciler } from './storagegroup/reconciler.js';

export interface ManagerOptions {
  kubeConfig: k8s.KubeConfig;
  /** Namespaces to watch; empty = all. */
  namespaces: string[];
  concurrency: number;
  log: Logger;
  events: EventSink;
  metricsRegistry?: Registry;
  /** Informer relist period (re-emits every object; costs no HMC request when nothing changed). */
  resyncMs?: number;
  /** CpcSubset re-check period (CPC health and usage: two HMC requests per subset). */
  subsetResyncMs?: number;
  /** STOMP port override (tests and the simulator); the HMC's own is 61612. */
  stompPort?: number;
  /** Records HMC session ids (Secrets are read by name only: credentials, and this ledger). */
  sessionLedger?: (connectionKey: string) => SessionLedger;
  /**
   * Label selector for the CpcSubsets this operator serves (one Helm release per HMC in a shared namespace).
   * Partitions of other subsets are then left alone entirely, not reported as missing their subset.
   */
  subsetSelector?: string;
  /** Called with each reconcile result (metrics). */
  onReconcile?: (
    controller: string,
    key: string,
    result: 'success' | 'requeue' | 'error',
    seconds: number,
  ) => void;
}

type Obj = { metadata?: k8s.V1ObjectMeta };

/** Partition queue order: creation time in steps of this (see partitionQueue). */
const CREATION_STEP_MS = 10_000;

function keyOf(o: Obj): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/** Several namespaced informers (or one cluster-wide) behind one cache interface. */
class MultiInformer<T extends k8s.KubernetesObject> implements ReadCache<T> {
  readonly informers: SupervisedInformer<T>[];

  constructor(
    kc: k8s.KubeConfig,
    plural: string,
    namespaces: string[],
    resyncMs: number | undefined,
    log: Logger,
    labelSelector?: string,
  ) {
    const api = kc.makeApiClient(k8s.CustomObjectsApi);
    const scopes = namespaces.length ? namespaces : [undefined];
    this.informers = scopes.map(
      (ns) =>
        new SupervisedInformer<T>({
          kubeConfig: kc,
          path: watchPath(API_GROUP_VERSION, plural, ns),
          list: () =>
            (ns
              ? api.listNamespacedCustomObject({
                  group: API_GROUP,
                  version: API_VERSION,
                  namespace: ns,
                  plural,
                  labelSelector,
                })
              : api.listClusterCustomObject({
                  group: API_GROUP,
                  version: API_VERSION,
                  plural,
                  labelSelector,
                })) as never,
          labelSelector,
          name: plural,
          logger: log,
          resyncMs,
        }),
    );
  }

  get(namespace: string, name: string): T | undefined {
    for (const i of this.informers) {
      const o = i.get(namespace, name);
      if (o) return o;
    }
    return undefined;
  }

  list(namespace?: string): T[] {
    return this.informers.flatMap((i) => [...i.list(namespace)]);
  }

  on(handlers: { add?(o: T): void; update?(a: T, b: T): void; delete?(o: T): void }): void {
    for (const i of this.informers) i.addEventHandler(handlers);
  }
}

/** A many-to-many index: item (a Partition key) -> the values it lists, and each value -> its items. */
class Index {
  private readonly byValue = new Map<string, Set<string>>();
  private readonly byItem = new Map<string, readonly string[]>();

  get(value: string): ReadonlySet<string> | undefined {
    return this.byValue.get(value);
  }

  /** Replaces what `item` lists (an empty list removes it). */
  set(item: string, values: readonly string[]): void {
    for (const v of this.byItem.get(item) ?? []) {
      const items = this.byValue.get(v);
      items?.delete(item);
      if (items?.size === 0) this.byValue.delete(v);
    }
    if (values.length === 0) {
      this.byItem.delete(item);
      return;
    }
    this.byItem.set(item, values);
    for (const v of values) {
      let items = this.byValue.get(v);
      if (!items) this.byValue.set(v, (items = new Set()));
      items.add(item);
    }
  }
}

export class OperatorManager {
  readonly subsets: MultiInformer<CpcSubset>;
  readonly partitions: MultiInformer<Partition>;
  readonly nics: MultiInformer<PartitionNic>;
  readonly hbas: MultiInformer<PartitionHba>;
  readonly storageGroups: MultiInformer<StorageGroup>;
  readonly storageGroupQueue = new WorkQueue();
  /**
   * Older Partitions first, by creation time in 10 s steps: a partition whose creation is under way goes on
   * (its next step, its job's end) before much newer ones start, so start jobs are submitted early and overlap
   * with the rest instead of all waiting for the last partition's configuration (the scale benchmark's
   * round-robin tail). Within a step the queue stays FIFO: a partition's next pass then comes after the watch
   * has brought its own last writes (one step per second made most passes read a stale cache: rewrites and
   * 422 conflicts, 34.6 instead of 31.2 API writes per partition at N = 1000).
   */
  readonly partitionQueue = new WorkQueue({ priority: (key) => this.createdAt(key) });
  readonly subsetQueue = new WorkQueue();
  readonly connections: HmcConnections;
  /** HMC partition URI -> Partition key, derived from the informer (status.partitionUri): routes notifications. */
  private readonly keyByUri = new Map<string, string>();
  /**
   * Partition URIs a notification concerned before the informer showed whose they are (a pass records
   * status.partitionUri a moment after the HMC acted): the owner is queued once the URI shows up.
   */
  private readonly unrouted = new Set<string>();
  private readonly abort = new AbortController();
  private workers: Promise<unknown> | undefined;
  private readonly partitionReconciler: PartitionReconciler;
  private readonly storageGroupReconciler: StorageGroupReconciler;
  /** HMC storage group URI -> StorageGroup key (status.groupUri): routes storage notifications. */
  private readonly storageGroupKeyByUri = new Map<string, string>();
  /** HMC storage group URI -> keys of the Partitions listing it in status.storageGroups. */
  private readonly partitionsByGroupUri = new Index();
  /** `namespace/StorageGroup name` -> keys of the Partitions naming it in spec.storageGroups. */
  private readonly partitionsByGroupRef = new Index();
  private readonly subsetReconciler: CpcSubsetReconciler;

  constructor(private readonly opts: ManagerOptions) {
    const { kubeConfig: kc, namespaces, log } = opts;
    this.subsets = new MultiInformer(
      kc,
      PLURAL.CpcSubset,
      namespaces,
      opts.resyncMs,
      log,
      opts.subsetSelector,
    );
    this.partitions = new MultiInformer(kc, PLURAL.Partition, namespaces, opts.resyncMs, log);
    this.nics = new MultiInformer(kc, PLURAL.PartitionNic, namespaces, opts.resyncMs, log);
    this.hbas = new MultiInformer(kc, PLURAL.PartitionHba, namespaces, opts.resyncMs, log);
    this.storageGroups = new MultiInformer(kc, PLURAL.StorageGroup, namespaces, opts.resyncMs, log);
    this.connections = new HmcConnections({
      kubeConfig: kc,
      log,
      metricsRegistry: opts.metricsRegistry,
      stompPort: () => opts.stompPort,
      ledger: opts.sessionLedger,
      onChange: (_conn: HmcConnection, uri, change) => {
        if (uri === undefined) {
          for (const p of this.partitions.list()) this.partitionQueue.add(keyOf(p));
          this.storageGroupReconciler.cache.invalidate(undefined);
          for (const g of this.storageGroups.list()) this.storageGroupQueue.add(keyOf(g));
          return;
        }
        const groupUri = storageGroupUriOf(uri);
        if (groupUri) {
          // A group, volume or VSR changed (e.g. fulfillment-state): applied to the observed group.
          if (change) this.storageGroupReconciler.cache.apply(change);
          else this.storageGroupReconciler.cache.invalidate(groupUri);
          const sg = this.storageGroupKeyByUri.get(groupUri);
          if (sg) this.storageGroupQueue.add(sg);
          // Partitions using the group (by HMC name: a boot volume becoming complete starts them).
          for (const key of this.partitionsByGroupUri.get(groupUri) ?? []) this.partitionQueue.add(key);
          return;
        }
        const key = this.keyByUri.get(uri);
        if (key) this.partitionQueue.add(key);
        else {
          this.unrouted.add(uri);
          if (this.unrouted.size > 10_000) this.unrouted.delete(this.unrouted.values().next().value!);
        }
      },
    });
    const writer = new ApiKubeWriter(kc);
    const nicIndex = new ChildIndex(this.nics);
    const hbaIndex = new ChildIndex(this.hbas);
    this.partitionReconciler = new PartitionReconciler({
      childrenOf: (ns, name) => ({ nics: nicIndex.of(ns, name), hbas: hbaIndex.of(ns, name) }),
      partitions: this.partitions,
      nics: this.nics,
      hbas: this.hbas,
      subsets: this.subsets,
      storageGroups: this.storageGroups,
      gatewayFor: async (s) => (await this.connections.cached(s)).gateway,
      writer,
      events: opts.events,
      log: log.child({ controller: 'partition' }),
      ignoreUnknownSubsets: Boolean(opts.subsetSelector),
    });
    this.storageGroupReconciler = new StorageGroupReconciler({
      storageGroups: this.storageGroups,
      subsets: this.subsets,
      partitions: this.partitions,
      clientFor: async (s) => (await this.connections.cached(s)).client,
      writer,
      events: opts.events,
      log: log.child({ controller: 'storagegroup' }),
    });
    this.subsetReconciler = new CpcSubsetReconciler({
      subsets: this.subsets,
      partitions: this.partitions,
      connect: (s) => this.connections.get(s),
      disconnect: (key) => this.connections.forget(key),
      writer,
      events: opts.events,
      log: log.child({ controller: 'cpcsubset' }),
      resyncMs: opts.subsetResyncMs ?? 600_000,
      onDrift: (uris) => {
        for (const uri of uris) {
          const key = this.keyByUri.get(uri);
          if (key) this.partitionQueue.add(key);
        }
      },
    });
    this.wireEvents();
  }

  private wireStorageGroupEvents(): void {
    const sq = this.storageGroupQueue;
    const track = (o: StorageGroup, present: boolean): void => {
      const uri = o.status?.groupUri;
      if (uri && present) this.storageGroupKeyByUri.set(uri, keyOf(o));
      else if (uri) this.storageGroupKeyByUri.delete(uri);
    };
    this.storageGroups.on({
      add: (o) => {
        track(o, true);
        sq.add(keyOf(o));
      },
      update: (a, b) => {
        track(b, true);
        if (a === b || generationOrMetadataChanged(a, b)) sq.add(keyOf(b));
        // The Partitions using it follow its HMC URI, fulfillment (a complete boot volume starts them) and
        // paths (the device numbers and WWPNs in their status).
        const seen = (g: StorageGroup): string =>
          JSON.stringify([
            g.status?.groupUri,
            g.status?.volumes,
            g.status?.paths,
            g.status?.attachedPartitions,
          ]);
        if (seen(a) !== seen(b))
          for (const key of this.partitionsByGroupRef.get(keyOf(b)) ?? []) this.partitionQueue.add(key);
      },
      delete: (o) => track(o, false),
    });
    // A group being deleted waits for the Partitions that list it; a subset turning Ready unblocks its groups.
    const byRef = (p: Partition): void => {
      for (const g of p.spec.storageGroups ?? [])
        if (g.storageGroupRef) sq.add(`${p.metadata.namespace ?? ''}/${g.storageGroupRef.name}`);
    };
    this.partitions.on({
      update: (a, b) => generationOrMetadataChanged(a, b) && (byRef(a), byRef(b)),
      delete: byRef,
    });
    this.subsets.on({
      update: (a, b) => {
        const state = (s: CpcSubset): string =>
          `${s.status?.cpcUri}/${s.status?.storageModel}/${s.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')}`;
        if (state(a) === state(b)) return;
        for (const g of this.storageGroups.list(b.metadata.namespace))
          if (g.spec.cpcSubsetRef.name === b.metadata.name) sq.add(keyOf(g));
      },
    });
  }

  private wireEvents(): void {
    this.wireStorageGroupEvents();
    const q = this.partitionQueue;
    const enqueueParent = (o: PartitionNic | PartitionHba): void =>
      q.add(`${o.metadata.namespace ?? ''}/${o.spec.partitionRef.name}`);
    // Partitions refused by the subset's limits get another chance whenever the subset's load changes.
    const retryRefused = (ns: string | undefined, subset: string): void => {
      for (const p of this.partitions.list(ns)) {
        const refused = p.status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'LimitExceeded');
        if (refused && p.spec.cpcSubsetRef.name === subset) q.add(keyOf(p));
      }
    };
    const track = (o: Partition, present: boolean): void => {
      const ns = o.metadata.namespace ?? '';
      this.partitionsByGroupUri.set(
        keyOf(o),
        present ? (o.status?.storageGroups ?? []).flatMap((g) => (g.uri ? [g.uri] : [])) : [],
      );
      this.partitionsByGroupRef.set(
        keyOf(o),
        present
          ? (o.spec.storageGroups ?? []).flatMap((g) =>
              g.storageGroupRef ? [`${ns}/${g.storageGroupRef.name}`] : [],
            )
          : [],
      );
      const uri = o.status?.partitionUri;
      if (uri && present) {
        this.keyByUri.set(uri, keyOf(o));
        if (this.unrouted.delete(uri)) q.add(keyOf(o));
      } else if (uri) this.keyByUri.delete(uri);
    };
    // A subset's usage columns follow its partitions (a cache-only pass, coalesced over a second).
    const usageChanged = (a: Partition | undefined, b: Partition): void => {
      const load = (p: Partition | undefined): string =>
        p ? `${Boolean(p.status?.partitionUri)}/${p.spec.processors.ifls}/${p.spec.memory.initialMiB}` : '';
      if (load(a) !== load(b))
        this.subsetQueue.addAfter(`${b.metadata.namespace ?? ''}/${b.spec.cpcSubsetRef.name}`, 1000);
    };
    this.partitions.on({
      add: (o) => {
        track(o, true);
        usageChanged(undefined, o);
        q.add(keyOf(o));
      },
      update: (a, b) => {
        if (a.status?.partitionUri !== b.status?.partitionUri) track(a, false);
        track(b, true);
        usageChanged(a, b);
        // "Retry now" (Crossplane's reconcile-requested-at): skip the remaining error backoff.
        if (
          a.metadata.annotations?.[ANNOTATION_RECONCILE_REQUESTED_AT] !==
          b.metadata.annotations?.[ANNOTATION_RECONCILE_REQUESTED_AT]
        ) {
          q.forget(keyOf(b));
        }
        if (a === b || generationOrMetadataChanged(a, b)) q.add(keyOf(b));
        if (a !== b && generationOrMetadataChanged(a, b))
          retryRefused(b.metadata.namespace, b.spec.cpcSubsetRef.name);
      },
      delete: (o) => {
        track(o, false);
        this.subsetQueue.addAfter(`${o.metadata.namespace ?? ''}/${o.spec.cpcSubsetRef.name}`, 1000);
        q.add(keyOf(o));
        retryRefused(o.metadata.namespace, o.spec.cpcSubsetRef.name);
      },
    });
    for (const inf of [this.nics, this.hbas] as MultiInformer<PartitionNic | PartitionHba>[]) {
      inf.on({
        add: enqueueParent,
        update: (a, b) => (a === b || generationOrMetadataChanged(a, b)) && enqueueParent(b),
        delete: enqueueParent,
      });
    }
    this.subsets.on({
      add: (o) => this.subsetQueue.add(keyOf(o)),
      update: (a, b) => {
        if (generationOrMetadataChanged(a, b)) this.subsetQueue.add(keyOf(b));
        // A subset's status flipping (Ready) matters to its partitions.
        const ready = (s: CpcSubset): boolean =>
          Boolean(s.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        if (ready(a) !== ready(b) || a.status?.cpcUri !== b.status?.cpcUri) {
          for (const p of this.partitions.list(b.metadata.namespace)) {
            if (p.spec.cpcSubsetRef.name === b.metadata.name) q.add(keyOf(p));
          }
        } else if (
          a.metadata.generation !== b.metadata.generation ||
          a.status?.usage?.partitions !== b.status?.usage?.partitions
        ) {
          retryRefused(b.metadata.namespace, b.metadata.name ?? '');
        }
      },
      delete: (o) => this.subsetQueue.add(keyOf(o)),
    });
  }

  /** A Partition's creation step; one no longer in the cache first (its deletion finishes quickly). */
  private createdAt(key: string): number {
    const [ns = '', name = ''] = key.split('/');
    const t = this.partitions.get(ns, name)?.metadata.creationTimestamp;
    return t === undefined ? -Infinity : Math.floor(new Date(t).getTime() / CREATION_STEP_MS);
  }

  private allInformers(): SupervisedInformer<k8s.KubernetesObject>[] {
    return [this.subsets, this.partitions, this.nics, this.hbas, this.storageGroups].flatMap(
      (m) => m.informers as SupervisedInformer<k8s.KubernetesObject>[],
    );
  }

  /** Starts informers and waits until their caches are filled. */
  async startInformers(): Promise<void> {
    const all = this.allInformers();
    await Promise.all(all.map((i) => i.start()));
    await Promise.all(all.map((i) => i.waitForSync(this.abort.signal)));
  }

  informersHealthy(): boolean {
    return this.allInformers().every((i) => i.hasSynced() && i.isHealthy());
  }

  /** Runs the reconcilers (call when leading). */
  startWorkers(): void {
    const run = (
      name: string,
      q: WorkQueue,
      r: { reconcile(key: string): Promise<Outcome> },
      n: number,
    ): Promise<void> =>
      q.runWorkers(
        n,
        async (key) => {
          const t0 = process.hrtime.bigint();
          const seconds = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
          try {
            const out = await r.reconcile(key);
            if (out.kind === 'retry') throw out.error; // rate-limited by the queue
            if (out.kind === 'requeue') q.addAfter(key, out.afterMs);
            this.opts.onReconcile?.(name, key, out.kind === 'requeue' ? 'requeue' : 'success', seconds());
          } catch (e) {
            this.opts.onReconcile?.(name, key, 'error', seconds());
            throw e;
          }
        },
        this.abort.signal,
        {
          onError: (key, e) =>
            this.opts.log.warn(
              { controller: name, key, err: (e as Error).message },
              'reconcile error; retrying with backoff',
            ),
        },
      );
    this.workers = Promise.all([
      run('cpcsubset', this.subsetQueue, this.subsetReconciler, 1),
      run('partition', this.partitionQueue, this.partitionReconciler, this.opts.concurrency),
      // As many as partitions: at scale each new Partition waits for its own group (create, add ports), and one
      // worker made the groups' HMC requests a queue of their own (bench, storage path, N=1000: 2.5x the bound).
      run('storagegroup', this.storageGroupQueue, this.storageGroupReconciler, this.opts.concurrency),
    ]);
  }

  /**
   * Graceful: stop taking work, let in-flight reconciles finish (for at most `drainMs`), close the HMC
   * sessions (logoff; this also ends reconciles still waiting on the HMC), stop the informers.
   */
  async stop(drainMs = Infinity): Promise<void> {
    this.abort.abort();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((r) => (timer = setTimeout(r, Math.min(drainMs, 2 ** 31 - 1))));
    await Promise.race([this.workers, late]);
    clearTimeout(timer);
    await this.connections.closeAll();
    const all = this.allInformers();
    await Promise.all(all.map((i) => i.stop()));
  }
}
