// The bridge's view of the cluster: creates, patches and deletes only the objects labelled with a
// Nova instance uuid by this host, and watches their Partitions (an informer, never the HMC).
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_GROUP, API_GROUP_VERSION, API_VERSION, PLURAL } from '../crds/common.js';
import type { CpcSubset } from '../crds/cpcsubset.js';
import type { Partition } from '../crds/partition.js';
import { SupervisedInformer, watchPath } from '../runtime/informer.js';
import { isNotFound } from '../controllers/kube.js';
import { LABEL_HOST, LABEL_INSTANCE, type DesiredResources } from './translate.js';

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const CHILD_PLURALS = [PLURAL.PartitionNic, PLURAL.PartitionHba] as const;

interface Waiter {
  uuid: string;
  check(p: Partition | undefined): boolean;
  resolve(p: Partition | undefined): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class PartitionWaitTimeout extends Error {
  override readonly name = 'PartitionWaitTimeout';
}

export class CrStore {
  private readonly api: k8s.CustomObjectsApi;
  private readonly informer: SupervisedInformer<Partition>;
  private readonly waiters = new Set<Waiter>();
  private readonly selector: string;

  constructor(
    kc: k8s.KubeConfig,
    readonly namespace: string,
    readonly host: string,
    log: Logger,
  ) {
    this.api = kc.makeApiClient(k8s.CustomObjectsApi);
    this.selector = `${LABEL_HOST}=${host}`;
    this.informer = new SupervisedInformer<Partition>({
      kubeConfig: kc,
      path: watchPath(API_GROUP_VERSION, PLURAL.Partition, namespace),
      list: () => this.listRaw(PLURAL.Partition) as never,
      labelSelector: this.selector,
      name: 'nova-bridge-partitions',
      logger: log,
    });
    const notify = (p: Partition | undefined, uuid: string): void => {
      for (const w of [...this.waiters]) {
        if (w.uuid !== uuid || !w.check(p)) continue;
        this.waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(p);
      }
    };
    this.informer.addEventHandler({
      add: (p) => notify(p, p.metadata.name!),
      update: (_o, p) => notify(p, p.metadata.name!),
      delete: (p) => notify(undefined, p.metadata.name!),
    });
  }

  async start(): Promise<void> {
    await this.informer.start();
    await this.informer.waitForSync();
  }

  async stop(): Promise<void> {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error('bridge stopping'));
    }
    this.waiters.clear();
    await this.informer.stop();
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
    return this.informer.get(this.namespace, uuid);
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
    return this.informer.list(this.namespace);
  }

  /**
   * Creates the objects that do not exist yet (idempotent: an existing object of the same name is
   * left alone when it is ours, and is an error when it is not).
   */
  async createAbsent(desired: DesiredResources): Promise<{ created: number }> {
    let created = 0;
    const items: [string, { metadata: { name: string } }][] = [
      [PLURAL.Partition, desired.partition],
      ...desired.hbas.map((h) => [PLURAL.PartitionHba, h] as [string, typeof h]),
      ...desired.nics.map((n) => [PLURAL.PartitionNic, n] as [string, typeof n]),
    ];
    for (const [plural, body] of items) {
      try {
        await this.api.createNamespacedCustomObject({
          group: API_GROUP,
          version: API_VERSION,
          namespace: this.namespace,
          plural,
          body,
        });
        created++;
      } catch (e) {
        if (!(e instanceof k8s.ApiException && e.code === 409)) throw e;
        const existing = (await this.api.getNamespacedCustomObject({
          group: API_GROUP,
          version: API_VERSION,
          namespace: this.namespace,
          plural,
          name: body.metadata.name,
        })) as Partition;
        const uuid = (desired.partition.metadata.labels[LABEL_INSTANCE] ?? '') as string;
        if (!this.owns(existing, uuid))
          throw new Error(`${plural}/${body.metadata.name} exists and was not created by this Nova host`);
      }
    }
    return { created };
  }

  /** Merge-patches the spec of our Partition. */
  async patchPartitionSpec(uuid: string, spec: Record<string, unknown>): Promise<void> {
    await this.api.patchNamespacedCustomObject(
      {
        group: API_GROUP,
        version: API_VERSION,
        namespace: this.namespace,
        plural: PLURAL.Partition,
        name: uuid,
        body: { spec },
      },
      mergePatch,
    );
  }

  /** Deletes the instance's Partition and children (only those carrying our labels). */
  async deleteInstance(uuid: string): Promise<void> {
    const selector = `${LABEL_INSTANCE}=${uuid},${this.selector}`;
    for (const plural of [PLURAL.Partition, ...CHILD_PLURALS]) {
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
    for (const plural of [PLURAL.Partition, ...CHILD_PLURALS])
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
    const now = this.informer.get(this.namespace, uuid);
    if (check(now)) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        uuid,
        check,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          const p = this.informer.get(this.namespace, uuid);
          reject(
            new PartitionWaitTimeout(
              `partition ${uuid} did not reach the expected state in ${timeoutMs} ms (phase ${p?.status?.phase ?? 'none'}: ${
                p?.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? ''
              })`,
            ),
          );
        }, timeoutMs),
      };
      this.waiters.add(w);
    });
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
