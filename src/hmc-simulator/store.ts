// In-memory resource store: every HMC object or element keyed by its URI, with per-parent
// child indexes and per-parent name indexes so lookups never scan all resources.
import type { Props } from './types.js';

/** Resource classes the simulator knows (the WS API `class` property). */
export type ResourceClass =
  | 'console'
  | 'cpc'
  | 'partition'
  | 'nic'
  | 'hba'
  | 'adapter'
  | 'storage-port'
  | 'network-port'
  | 'virtual-switch'
  | 'storage-group'
  | 'storage-volume'
  | 'virtual-storage-resource'
  | 'storage-template'
  | 'storage-template-volume'
  | 'partition-link';

export interface Resource {
  readonly uri: string;
  readonly cls: ResourceClass;
  /** URI of the owning resource (CPC of a partition, partition of a NIC, adapter of a port); '' for roots. */
  readonly parent: string;
  props: Props;
}

export interface StoreSnapshot {
  resources: Resource[];
}

export class Store {
  private readonly byUri = new Map<string, Resource>();
  private readonly children = new Map<string, Map<ResourceClass, Set<string>>>();
  private readonly names = new Map<string, Map<string, string>>();

  get size(): number {
    return this.byUri.size;
  }

  get(uri: string): Resource | undefined {
    return this.byUri.get(uri);
  }

  /** Adds a resource; its `name` (if any) becomes unique within parent + class. */
  add(r: Resource): void {
    this.byUri.set(r.uri, r);
    {
      let byCls = this.children.get(r.parent);
      if (!byCls) this.children.set(r.parent, (byCls = new Map()));
      let set = byCls.get(r.cls);
      if (!set) byCls.set(r.cls, (set = new Set()));
      set.add(r.uri);
    }
    const name = r.props['name'];
    if (typeof name === 'string') this.nameIndex(r.parent, r.cls).set(name, r.uri);
  }

  /** Removes a resource and, recursively, its children. */
  remove(uri: string): Resource[] {
    const r = this.byUri.get(uri);
    if (!r) return [];
    const removed: Resource[] = [];
    for (const set of this.children.get(uri)?.values() ?? []) {
      for (const child of [...set]) removed.push(...this.remove(child));
    }
    this.children.delete(uri);
    this.byUri.delete(uri);
    this.children.get(r.parent)?.get(r.cls)?.delete(uri);
    const name = r.props['name'];
    if (typeof name === 'string') this.nameIndex(r.parent, r.cls).delete(name);
    removed.push(r);
    return removed;
  }

  /** Children of one class under a parent, in creation order. */
  list(parent: string, cls: ResourceClass): Resource[] {
    const set = this.children.get(parent)?.get(cls);
    if (!set) return [];
    const out: Resource[] = [];
    for (const uri of set) {
      const r = this.byUri.get(uri);
      if (r) out.push(r);
    }
    return out;
  }

  /** All resources of a class without a parent (CPCs, consoles). */
  roots(cls: ResourceClass): Resource[] {
    return this.list('', cls);
  }

  findByName(parent: string, cls: ResourceClass, name: string): Resource | undefined {
    const uri = this.nameIndex(parent, cls).get(name);
    return uri === undefined ? undefined : this.byUri.get(uri);
  }

  /** Sets a resource's name, keeping the name index in step (uniqueness is the caller's check). */
  rename(r: Resource, name: string): void {
    const idx = this.nameIndex(r.parent, r.cls);
    const old = r.props['name'];
    if (typeof old === 'string') idx.delete(old);
    r.props['name'] = name;
    idx.set(name, r.uri);
  }

  snapshot(): StoreSnapshot {
    return { resources: [...this.byUri.values()].map((r) => ({ ...r, props: structuredClone(r.props) })) };
  }

  restore(s: StoreSnapshot): void {
    this.byUri.clear();
    this.children.clear();
    this.names.clear();
    for (const r of s.resources) this.add({ uri: r.uri, cls: r.cls, parent: r.parent, props: r.props });
  }

  private nameIndex(parent: string, cls: ResourceClass): Map<string, string> {
    const key = `${parent}|${cls}`;
    let idx = this.names.get(key);
    if (!idx) this.names.set(key, (idx = new Map()));
    return idx;
  }
}
