// The observed HMC storage groups, by group URI, kept current by what the HMC tells: the answers to our own
// writes (create, modify, add-ports, detach, delete) and the property- and inventory-change notifications of
// groups, volumes and VSRs. A part is read again only where a notification cannot tell (a VSR or volume added
// by the HMC: its properties are not in the notification); a resync (notifications may have been lost) drops
// everything.
import type { FulfillmentState, VolumeUsage } from '../../crds/index.js';
import type { HmcChange } from '../hmc-gateway.js';
import type { DesiredGroup, ObservedGroup, ObservedPath, ObservedVolume } from './model.js';

/** The parts of a group read with separate requests: the group itself, its volume list, its VSR list. */
export type Part = 'group' | 'volumes' | 'paths';

/** Changes that arrived for a group not (yet) cached, replayed when it is (a notification may beat the answer). */
const EARLY_GROUPS_LIMIT = 256;
const EARLY_CHANGES_LIMIT = 32;

interface Entry {
  group: ObservedGroup;
  stale: Set<Part>;
  /** While a read of stale parts runs: the changes applied meanwhile, applied again onto its result. */
  log: HmcChange[] | undefined;
}

/** Changes logged during one read; past this the read's result is not trusted (the parts stay stale). */
const READ_LOG_LIMIT = 500;

type Props = Record<string, unknown>;

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** The storage group URI of a group, volume or VSR URI; undefined for other URIs. */
export function storageGroupUriOf(uri: string): string | undefined {
  return /^\/api\/storage-groups\/[^/]+/.exec(uri)?.[0];
}

function groupChanges(g: ObservedGroup, c: Props): ObservedGroup {
  const next = { ...g };
  if ('name' in c) next.name = str(c.name);
  if ('description' in c) next.description = str(c.description);
  if ('shared' in c) next.shared = c.shared === true;
  if ('connectivity' in c) next.connectivity = Number(c.connectivity ?? 0);
  if ('max-partitions' in c) next.maxPartitions = Number(c['max-partitions'] ?? 0);
  if ('fulfillment-state' in c) next.fulfillmentState = str(c['fulfillment-state']) as FulfillmentState;
  if (Array.isArray(c['candidate-adapter-port-uris']))
    next.candidatePortUris = (c['candidate-adapter-port-uris'] as unknown[]).map(str);
  return next;
}

function volumeChanges(v: ObservedVolume, c: Props): ObservedVolume {
  const next = { ...v };
  if ('name' in c) next.name = str(c.name);
  if ('size' in c) next.sizeGiB = Number(c.size ?? 0);
  if ('usage' in c) next.usage = str(c.usage) as VolumeUsage;
  if ('description' in c) next.description = str(c.description);
  if ('fulfillment-state' in c) next.fulfillmentState = str(c['fulfillment-state']) as FulfillmentState;
  if ('uuid' in c) {
    if (c.uuid) next.uuid = str(c.uuid);
    else delete next.uuid;
  }
  return next;
}

function pathChanges(p: ObservedPath, c: Props): ObservedPath {
  const next = { ...p };
  if ('device-number' in c) next.deviceNumber = str(c['device-number']);
  if ('world-wide-port-name' in c) next.wwpn = str(c['world-wide-port-name']);
  if ('adapter-port-uri' in c) next.adapterPortUri = str(c['adapter-port-uri']);
  if ('partition-uri' in c) next.partitionUri = str(c['partition-uri']);
  return next;
}

/** Attached partitions that still have a path (a detach removes a partition's VSRs). */
function withPaths(attached: ObservedGroup['attached'], paths: ObservedPath[]): ObservedGroup['attached'] {
  const uris = new Set(paths.map((p) => p.partitionUri));
  return attached.filter((a) => uris.has(a.uri));
}

export class ObservedCache {
  private readonly byUri = new Map<string, Entry>();
  private readonly early = new Map<string, HmcChange[]>();
  /** HMC name -> URI of the groups this process created (a pass before status shows the URI asks nothing). */
  private readonly byName = new Map<string, string>();

  /** Groups this process deleted (their URI may linger in status for a pass). */
  private readonly deletedUris = new Set<string>();

  /** The URI of a group this process created under that name. */
  uriOfName(hmcName: string): string | undefined {
    return this.byName.get(hmcName);
  }

  /** Delete Storage Group answered. */
  deleted(uri: string): void {
    this.invalidate(uri);
    this.deletedUris.add(uri);
    if (this.deletedUris.size > 10_000) this.deletedUris.delete(this.deletedUris.values().next().value!);
  }

  /** Whether this process deleted the group. */
  wasDeleted(uri: string): boolean {
    return this.deletedUris.has(uri);
  }

  /** The group when every part is current (a pass then asks the HMC nothing). */
  get(uri: string): ObservedGroup | undefined {
    const e = this.byUri.get(uri);
    return e && e.stale.size === 0 ? e.group : undefined;
  }

  /**
   * The cached group (maybe partly stale) and which parts to read again; starts a read: changes applied
   * until `set` are applied again onto the read's result (they may have happened after the HMC answered).
   */
  peek(uri: string): { group: ObservedGroup; stale: ReadonlySet<Part> } | undefined {
    const e = this.byUri.get(uri);
    if (!e) return undefined;
    e.log = [];
    return { group: e.group, stale: new Set(e.stale) };
  }

  /**
   * Stores a group read from the HMC. `parts`: what a read of a cached group covered (the rest is as
   * cached); undefined: a read in full.
   */
  set(g: ObservedGroup, parts?: readonly Part[]): void {
    const e = this.byUri.get(g.uri);
    if (!e) {
      if (parts) return; // dropped (resync, removal) while a partial read ran: read in full next time
      this.byUri.set(g.uri, { group: g, stale: new Set(), log: undefined });
      this.replay(g.uri);
      return;
    }
    const log = e.log;
    e.group = g;
    e.log = undefined;
    if (log === undefined && parts) return; // the log overflowed: the parts stay stale
    for (const p of parts ?? ['group', 'volumes', 'paths']) e.stale.delete(p);
    for (const c of log ?? []) this.apply(c);
  }

  /** Drops one group (undefined: all, e.g. after notifications may have been lost). */
  invalidate(uri: string | undefined): void {
    if (uri === undefined) {
      this.byUri.clear();
      this.early.clear();
    } else {
      this.byUri.delete(uri);
      this.early.delete(uri);
      for (const [name, u] of this.byName) if (u === uri) this.byName.delete(name);
    }
  }

  /** Create Storage Group answered: the group is what was sent, with the volume URIs of the answer. */
  created(uri: string, w: DesiredGroup, volumeUris: readonly string[]): void {
    this.byName.set(w.hmcName, uri);
    if (this.byName.size > 10_000) this.byName.delete(this.byName.keys().next().value!);
    if (volumeUris.length !== w.volumes.length) return; // an answer without the volume URIs: read it
    this.byUri.delete(uri);
    // What arrived before the answer is replayed onto it (set).
    this.set({
      uri,
      name: w.hmcName,
      description: w.description,
      shared: w.shared,
      connectivity: w.connectivity,
      maxPartitions: w.maxPartitions,
      fulfillmentState: 'pending',
      candidatePortUris: [],
      volumes: w.volumes.map((v, i) => ({
        uri: volumeUris[i]!,
        name: v.name,
        sizeGiB: v.sizeGiB,
        usage: v.usage,
        description: v.description,
        fulfillmentState: 'pending',
      })),
      paths: [],
      attached: [],
    });
  }

  /** Modify Storage Group answered: settings and volume requests applied (created volumes in answer order). */
  modified(
    uri: string,
    settings: Props,
    requests: readonly ({ operation: string; 'element-uri'?: string } & Props)[],
    createdUris: readonly string[],
  ): void {
    const e = this.byUri.get(uri);
    if (!e) return;
    let g = groupChanges(e.group, settings);
    let volumes = [...g.volumes];
    let created = 0;
    for (const r of requests) {
      if (r.operation === 'create') {
        const vuri = createdUris[created++];
        if (!vuri) {
          this.markStale(e, 'volumes');
          continue;
        }
        volumes.push({
          uri: vuri,
          name: str(r.name),
          sizeGiB: Number(r.size ?? 0),
          usage: (str(r.usage) || 'data') as VolumeUsage,
          description: str(r.description),
          fulfillmentState: 'pending',
        });
      } else if (r.operation === 'modify') {
        volumes = volumes.map((v) => (v.uri === r['element-uri'] ? volumeChanges(v, r) : v));
      } else if (r.operation === 'delete') {
        volumes = volumes.filter((v) => v.uri !== r['element-uri']);
      }
    }
    // A new volume is pending, and so is its group; any other change of fulfillment is notified.
    if (created > 0) g = { ...g, fulfillmentState: 'pending' };
    g = { ...g, volumes };
    e.group = g;
  }

  /** Add Candidate Adapter Ports answered. */
  portsAdded(uri: string, portUris: readonly string[]): void {
    const e = this.byUri.get(uri);
    if (!e) return;
    e.group = {
      ...e.group,
      candidatePortUris: [...new Set([...e.group.candidatePortUris, ...portUris])],
    };
  }

  /**
   * Fulfill FCP Storage Volume answered: the volumes are read again next pass (the HMC completes the volume
   * before it answers; its notification may come later, and a pass on the old state would fulfill again).
   */
  fulfilled(uri: string): void {
    const e = this.byUri.get(uri);
    if (e) this.markStale(e, 'volumes');
  }

  /** Detach answered: the partition's paths are gone. */
  detached(uri: string, partitionUri: string): void {
    const e = this.byUri.get(uri);
    if (!e) return;
    const paths = e.group.paths.filter((p) => p.partitionUri !== partitionUri);
    e.group = { ...e.group, paths, attached: e.group.attached.filter((a) => a.uri !== partitionUri) };
  }

  /**
   * Applies a notification about a group, one of its volumes or VSRs. Returns the group URI it concerns
   * (undefined: not a storage URI).
   */
  apply(change: HmcChange): string | undefined {
    if (change.kind === 'resync') {
      this.invalidate(undefined);
      return undefined;
    }
    if (change.kind === 'job-completion') return undefined;
    const groupUri = storageGroupUriOf(change.uri);
    if (!groupUri) return undefined;
    const e = this.byUri.get(groupUri);
    if (!e) {
      this.remember(groupUri, change);
      return groupUri;
    }
    if (e.log) {
      if (e.log.length < READ_LOG_LIMIT) e.log.push(change);
      else {
        e.log = undefined; // too much happened during the read: all of it is read again next pass
        for (const p of ['group', 'volumes', 'paths'] as const) this.markStale(e, p);
      }
    }
    const g = e.group;
    const uri = change.uri;
    const isVolume = uri.includes('/storage-volumes/');
    const isPath = uri.includes('/virtual-storage-resources/');
    if (change.kind === 'inventory-change') {
      if (uri === groupUri) {
        if (change.action === 'remove') this.byUri.delete(groupUri);
      } else if (change.action === 'remove') {
        if (isVolume) e.group = { ...g, volumes: g.volumes.filter((v) => v.uri !== uri) };
        if (isPath) {
          const paths = g.paths.filter((p) => p.uri !== uri);
          e.group = { ...g, paths, attached: withPaths(g.attached, paths) };
        }
      } else if (isVolume && !g.volumes.some((v) => v.uri === uri)) this.markStale(e, 'volumes');
      else if (isPath && !g.paths.some((p) => p.uri === uri)) this.markStale(e, 'paths');
      return groupUri;
    }
    if (change.kind !== 'property-change') return groupUri;
    const c = change.changes;
    if (uri === groupUri) {
      e.group = groupChanges(g, c);
      const listed = (k: string): string[] | undefined =>
        Array.isArray(c[k]) ? (c[k] as unknown[]).map(str) : undefined;
      const volumeUris = listed('storage-volume-uris');
      if (volumeUris) {
        if (volumeUris.some((u) => !g.volumes.some((v) => v.uri === u))) this.markStale(e, 'volumes');
        e.group = { ...e.group, volumes: e.group.volumes.filter((v) => volumeUris.includes(v.uri)) };
      }
      const pathUris = listed('virtual-storage-resource-uris');
      if (pathUris) {
        if (pathUris.some((u) => !g.paths.some((p) => p.uri === u))) this.markStale(e, 'paths');
        const paths = e.group.paths.filter((p) => pathUris.includes(p.uri));
        e.group = { ...e.group, paths, attached: withPaths(e.group.attached, paths) };
      }
      return groupUri;
    }
    if (isVolume) {
      if (!g.volumes.some((v) => v.uri === uri)) this.markStale(e, 'volumes');
      else e.group = { ...g, volumes: g.volumes.map((v) => (v.uri === uri ? volumeChanges(v, c) : v)) };
    } else if (isPath) {
      if (!g.paths.some((p) => p.uri === uri)) this.markStale(e, 'paths');
      else e.group = { ...g, paths: g.paths.map((p) => (p.uri === uri ? pathChanges(p, c) : p)) };
    }
    return groupUri;
  }

  private markStale(e: Entry, part: Part): void {
    e.stale.add(part);
  }

  private remember(groupUri: string, change: HmcChange): void {
    let list = this.early.get(groupUri);
    if (!list) {
      if (this.early.size >= EARLY_GROUPS_LIMIT) this.early.delete(this.early.keys().next().value!);
      list = [];
      this.early.set(groupUri, list);
    }
    if (list.length < EARLY_CHANGES_LIMIT) list.push(change);
    else list.splice(0, list.length, { kind: 'resync' }); // too many: the group is read in full
  }

  private replay(groupUri: string): void {
    const pending = this.early.get(groupUri);
    this.early.delete(groupUri);
    for (const c of pending ?? []) {
      if (c.kind === 'resync') this.byUri.delete(groupUri);
      else this.apply(c);
    }
  }
}
