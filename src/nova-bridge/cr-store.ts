// The bridge's view of the cluster: creates, patches and deletes only the objects labelled with a
// Nova instance uuid by this host, and watches their Partitions and StorageGroups (informers, never the HMC).
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_GROUP, API_GROUP_VERSION, API_VERSION, PLURAL } from '../crds/common.js';
import type { CpcSubset } from '../crds/cpcsubset.js';
import type { Partition } from '../crds/partition.js';
import type { StorageGroup } from '../crds/storagegroup.js';
import { SupervisedInformer, watchPath, type SupervisedInformerOptions } from '../runtime/informer.js';
import { isNotFound } from '../controllers/kube.js';
import { LABEL_HOST, LABEL_INSTANCE, type DesiredResources } from './translate.js';

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const CHILD_PLURALS = [PLURAL.PartitionNic, PLURAL.PartitionHba] as const;

interface Waiter<T> {
  name: string;
  check(o: T | undefined): boolean;
  resolve(o: T | undefined): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class PartitionWaitTimeout extends Error {
  override readonly name = 'PartitionWaitTimeout';
}

/** An informer of one kind (our objects only) and the waits on its objects by name. */
class Watched<T extends k8s.KubernetesObject> {
  readonly informer: SupervisedInformer<T>;
  private readonly waiters = new Set<Waiter<T>>();

  constructor(
    opts: SupervisedInformerOptions<T>,
    private readonly namespace: string,
    private readonly describe: (name: string, o: T | undefined, ms: number) => string,
  ) {
    this.informer = new SupervisedInformer<T>(opts);
    const notify = (o: T | undefined, name: string): void => {
      for (const w of [...this.waiters]) {
        if (w.name !== name || !w.check(o)) continue;
        this.waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(o);
      }
    };
    this.informer.addEventHandler({
      add: (o) => notify(o, o.metadata!.name!),
      update: (_o, o) => notify(o, o.metadata!.name!),
      delete: (o) => notify(undefined, o.metadata!.name!),
    });
  }

  get(name: string): T | undefined {
    return this.informer.get(this.namespace, name);
  }

  wait(name: string, check: (o: T | undefined) => boolean, timeoutMs: number): Promise<T | undefined> {
    const now = this.get(name);
    if (check(now)) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const w: Waiter<T> = {
        name,
        check,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          reject(new PartitionWaitTimeout(this.describe(name, this.get(name), timeoutMs)));
        }, timeoutMs),
      };
      this.waiters.add(w);
    });
  }

  async stop(): Promise<void> {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error('bridge stopping'));
    }
    this.waiters.clear();
    await this.informer.stop();
  }
}

const readyMessage = (o: { status?: { conditions?: { type: string; message?: string }[] } } | undefined) =>
  o?.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';

export class CrStore {
  private readonly api: k8s.CustomObjectsApi;
  private readonly parts: Watched<Partition>;
  private readonly groups: Watched<StorageGroup>;
  private readonly selector: string;

  constructor(
    kc: k8s.KubeConfig,
    readonly namespace: string,
    readonly host: string,
    log: Logger,
  ) {
    this.api = kc.makeApiClient(k8s.CustomObjectsApi);
    this.selector = `${LABEL_HOST}=${host}`;
    this.parts = new Watched<Partition>(
      {
        kubeConfig: kc,
        path: watchPath(API_GROUP_VERSION, PLURAL.Partition, namespace),
        list: () => this.listRaw(PLURAL.Partition) as never,
        labelSelector: this.selector,
        name: 'nova-bridge-partitions',
        logger: log,
      },
      namespace,
      (name, p, ms) =>
        `partition ${name} did not reach the expected state in ${ms} ms (phase ${p?.status?.phase ?? 'none'}: ${readyMessage(p)})`,
    );
    this.groups = new Watched<StorageGroup>(
      {
        kubeConfig: kc,
        path: watchPath(API_GROUP_VERSION, PLURAL.StorageGroup, namespace),
        list: () => this.listRaw(PLURAL.StorageGroup) as never,
        labelSelector: this.selector,
        name: 'nova-bridge-storagegroups',
        logger: log,
      },
      namespace,
      (name, g, ms) =>
        `StorageGroup ${name} did not reach the expected state in ${ms} ms (fulfillment ${g?.status?.fulfillmentState ?? 'none'}: ${readyMessage(g)})`,
    );
  }

  async start(): Promise<void> {
    await Promise.all([this.parts.informer.start(), this.groups.informer.start()]);
    await Promise.all([this.parts.informer.waitForSync(), this.groups.informer.waitForSync()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.parts.stop(), this.groups.stop()]);
  }

  async getSubset(): Promise<CpcSubset> {
    return (await this.api.getNamespacedCustomObject({
      group: API_GROUP,
      version: API_VERSION,
      namespace: this.namespace,
      plural: PLURAL.CpcSubset,
      name: this.host,
    })) as CpcSubset;
  }

  /** Our Partition of an instance (from the informer cache), if any. */
  cachedPartition(uuid: string): Partition | undefined {
    return this.parts.get(uuid);
  }

  /** Reads our Partition of an instance from the API server; undefined when absent or not ours. */
  async getPartition(uuid: string): Promise<Partition | undefined> {
    try {
      const p = (await this.api.getNamespacedCustomObject({
        group: API_GROUP,
        version: API_VERSION,
        namespace: this.namespace,
        plural: PLURAL.Partition,
        name: uuid,
      })) as Partition;
      return this.owns(p, uuid) ? p : undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** All our Partitions (for resource reporting). */
  partitions(): readonly Partition[] {
    return this.parts.informer.list(this.namespace);
  }

  /**
   * Creates the objects that do not exist yet (idempotent: an existing object of the same name is
   * left alone when it is ours, and is an error when it is not).
   */
  async createAbsent(desired: Omit<DesiredResources, 'storageGroup'>): Promise<{ created: number }> {
    let created = 0;
    const uuid = desired.partition.metadata.labels[LABEL_INSTANCE] ?? '';
    const items: [string, { metadata: { name: string } }][] = [
      [PLURAL.Partition, desired.partition],
      ...desired.hbas.map((h) => [PLURAL.PartitionHba, h] as [string, typeof h]),
      ...desired.nics.map((n) => [PLURAL.PartitionNic, n] as [string, typeof n]),
    ];
    for (const [plural, body] of items) if (await this.createOwned(plural, body, uuid)) created++;
    return { created };
  }

  /** Creates the instance's StorageGroup unless it exists (ours); true when created. */
  createStorageGroup(body: NonNullable<DesiredResources['storageGroup']>): Promise<boolean> {
    return this.createOwned(PLURAL.StorageGroup, body, body.metadata.labels[LABEL_INSTANCE] ?? '');
  }

  private async createOwned(
    plural: string,
    body: { metadata: { name: string } },
    uuid: string,
  ): Promise<boolean> {
    try {
      await this.api.createNamespacedCustomObject({
        group: API_GROUP,
        version: API_VERSION,
        namespace: this.namespace,
        plural,
        body,
      });
      return true;
    } catch (e) {
      if (!(e instanceof k8s.ApiException && e.code === 409)) throw e;
      const existing = (await this.api.getNamespacedCustomObject({
        group: API_GROUP,
        version: API_VERSION,
        namespace: this.namespace,
        plural,
        name: body.metadata.name,
      })) as k8s.KubernetesObject;
      if (!this.owns(existing, uuid))
        throw new Error(`${plural}/${body.metadata.name} exists and was not created by this Nova host`);
      return false;
    }
  }

  /** Merge-patches the spec of our Partition. */
  patchPartitionSpec(uuid: string, spec: Record<string, unknown>): Promise<void> {
    return this.patchSpec(PLURAL.Partition, uuid, spec);
  }

  /** Merge-patches the spec of our StorageGroup (a list given replaces the list). */
  patchStorageGroupSpec(name: string, spec: Record<string, unknown>): Promise<void> {
    return this.patchSpec(PLURAL.StorageGroup, name, spec);
  }

  private async patchSpec(plural: string, name: string, spec: Record<string, unknown>): Promise<void> {
    await this.api.patchNamespacedCustomObject(
      { group: API_GROUP, version: API_VERSION, namespace: this.namespace, plural, name, body: { spec } },
      mergePatch,
    );
  }

  /** Deletes the instance's Partition and children (only those carrying our labels). */
  deleteInstance(uuid: string): Promise<void> {
    return this.deleteLabelled(uuid, [PLURAL.Partition, ...CHILD_PLURALS]);
  }

  /** Deletes the instance's StorageGroups (after its Partition: the operator detaches, then deletes). */
  deleteStorageGroups(uuid: string): Promise<void> {
    return this.deleteLabelled(uuid, [PLURAL.StorageGroup]);
  }

  private async deleteLabelled(uuid: string, plurals: readonly string[]): Promise<void> {
    const selector = `${LABEL_INSTANCE}=${uuid},${this.selector}`;
    for (const plural of plurals) {
      const list = (await this.listRaw(plural, selector)) as { items: { metadata: { name: string } }[] };
      for (const o of list.items) {
        try {
          await this.api.deleteNamespacedCustomObject({
            group: API_GROUP,
            version: API_VERSION,
            namespace: this.namespace,
            plural,
            name: o.metadata.name,
          });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
    }
  }

  /** The subset's Partitions not created by Nova (their use is reserved in placement). */
  async foreignPartitions(): Promise<Partition[]> {
    const all = (await this.listRaw(PLURAL.Partition, `!${LABEL_INSTANCE}`)) as { items: Partition[] };
    return all.items.filter((p) => p.spec.cpcSubsetRef.name === this.host);
  }

  /** Counts our remaining objects of an instance (all kinds). */
  async countInstanceObjects(uuid: string): Promise<number> {
    const selector = `${LABEL_INSTANCE}=${uuid},${this.selector}`;
    let n = 0;
    for (const plural of [PLURAL.Partition, ...CHILD_PLURALS, PLURAL.StorageGroup])
      n += ((await this.listRaw(plural, selector)) as { items: unknown[] }).items.length;
    return n;
  }

  /**
   * Resolves with the Partition (or undefined once deleted) as soon as `check` holds for what the
   * informer sees; rejects with PartitionWaitTimeout after `timeoutMs`.
   */
  waitForPartition(
    uuid: string,
    check: (p: Partition | undefined) => boolean,
    timeoutMs: number,
  ): Promise<Partition | undefined> {
    return this.parts.wait(uuid, check, timeoutMs);
  }

  /** The same for one of our StorageGroups, by name. */
  waitForStorageGroup(
    name: string,
    check: (g: StorageGroup | undefined) => boolean,
    timeoutMs: number,
  ): Promise<StorageGroup | undefined> {
    return this.groups.wait(name, check, timeoutMs);
  }

  private owns(o: { metadata?: { labels?: Record<string, string> } }, uuid: string): boolean {
    const l = o.metadata?.labels ?? {};
    return l[LABEL_INSTANCE] === uuid && l[LABEL_HOST] === this.host;
  }

  private listRaw(plural: string, labelSelector = this.selector): Promise<unknown> {
    return this.api.listNamespacedCustomObject({
      group: API_GROUP,
      version: API_VERSION,
      namespace: this.namespace,
      plural,
      labelSelector,
    });
  }
}
