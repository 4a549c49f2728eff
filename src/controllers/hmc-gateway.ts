// What the controllers ask of one HMC, with an observed-state cache kept fresh by HMC notifications so that
// a reconcile of an unchanged partition costs no HMC request (the HMC is slow and shared).
import type { HmcClient } from '../hmc/client.js';
import { NotFoundError, isNotFound } from '../hmc/errors.js';
import type {
  HmcPartitionStatus,
  HmcProps,
  ObservedHba,
  ObservedNic,
  ObservedPartition,
} from './partition/model.js';

type Props = Record<string, unknown>;

export interface PartitionRef {
  uri: string;
  name: string;
  status: HmcPartitionStatus;
}

/** A change the HMC told us about (notifications), already decoded. */
export type HmcChange =
  | { kind: 'property-change'; uri: string; changes: Record<string, unknown> }
  | { kind: 'status-change'; uri: string; status: string }
  | { kind: 'inventory-change'; uri: string; action: 'add' | 'remove' }
  | { kind: 'resync' };

function toObservedNic(uri: string, p: Props): ObservedNic {
  return {
    uri,
    name: String(p.name ?? ''),
    description: p.description as string | undefined,
    deviceNumber: String(p['device-number'] ?? ''),
    virtualSwitchUri: (p['virtual-switch-uri'] as string | undefined) ?? undefined,
    macAddress: p['mac-address'] as string | undefined,
    vlanId: (p['vlan-id'] as number | null | undefined) ?? null,
  };
}

function toObservedHba(uri: string, p: Props): ObservedHba {
  return {
    uri,
    name: String(p.name ?? ''),
    wwpn: String(p.wwpn ?? ''),
    deviceNumber: String(p['device-number'] ?? ''),
    adapterPortUri: String(p['adapter-port-uri'] ?? ''),
  };
}

/** The partition URI of a NIC or HBA element URI (a partition URI maps to itself). */
function parentOf(uri: string): string {
  return uri.replace(/\/(nics|hbas)\/[^/]+$/, '');
}

export class HmcGateway {
  /** Raw properties by object or element URI, as last read or written. */
  private readonly cache = new Map<string, Props>();

  constructor(private readonly client: HmcClient) {}

  /** Applies a notification to the cache; returns the partition URI it concerns, if any. */
  applyChange(change: HmcChange): string | undefined {
    if (change.kind === 'resync') {
      this.cache.clear();
      return undefined;
    }
    const partitionUri = parentOf(change.uri);
    const entry = this.cache.get(change.uri);
    if (change.kind === 'inventory-change') {
      if (change.action === 'remove') this.cache.delete(change.uri);
      // An element added or removed changes the partition's nic-uris/hba-uris.
      if (partitionUri !== change.uri) this.trackElement(change.uri, change.action);
    } else if (entry && change.kind === 'status-change') {
      entry.status = change.status;
    } else if (entry && change.kind === 'property-change') {
      Object.assign(entry, change.changes);
    }
    return partitionUri;
  }

  /**
   * Safety net for notifications lost without a detectable gap: compares a partition list (one request for
   * a whole CPC subset) with the cache; returns URIs whose cached status was stale or that vanished.
   */
  reconcileList(listed: readonly PartitionRef[], isMine: (name: string) => boolean): string[] {
    const drifted: string[] = [];
    const seen = new Set<string>();
    for (const ref of listed) {
      seen.add(ref.uri);
      const entry = this.cache.get(ref.uri);
      if (entry && entry.status !== ref.status) {
        entry.status = ref.status;
        drifted.push(ref.uri);
      }
    }
    for (const [uri, entry] of this.cache) {
      if (/^\/api\/partitions\/[^/]+$/.test(uri) && !seen.has(uri) && isMine(String(entry.name ?? ''))) {
        this.cache.delete(uri);
        drifted.push(uri);
      }
    }
    return drifted;
  }

  /** Forgets everything about one URI (after an error left its state unknown). */
  invalidate(uri: string): void {
    this.cache.delete(uri);
  }

  private async read(uri: string): Promise<Props | undefined> {
    const hit = this.cache.get(uri);
    if (hit) return hit;
    try {
      const props = await this.client.session.get<Props>(uri);
      this.cache.set(uri, props);
      return props;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** The partition with its NICs and HBAs, or undefined when the HMC has no such partition. */
  async getPartition(uri: string): Promise<ObservedPartition | undefined> {
    const p = await this.read(uri);
    if (!p) return undefined;
    const nics: ObservedNic[] = [];
    for (const u of (p['nic-uris'] as string[] | undefined) ?? []) {
      const n = await this.read(u);
      if (n) nics.push(toObservedNic(u, n));
    }
    const hbas: ObservedHba[] = [];
    for (const u of (p['hba-uris'] as string[] | undefined) ?? []) {
      const h = await this.read(u);
      if (h) hbas.push(toObservedHba(u, h));
    }
    return {
      uri,
      name: String(p.name),
      description: String(p.description ?? ''),
      status: p.status as HmcPartitionStatus,
      ifls: Number(p['ifl-processors'] ?? 0),
      processorMode: (p['processor-mode'] as 'shared' | 'dedicated') ?? 'shared',
      initialMemoryMiB: Number(p['initial-memory'] ?? 0),
      maximumMemoryMiB: Number(p['maximum-memory'] ?? 0),
      bootDevice: String(p['boot-device'] ?? 'none'),
      bootStorageDevice: (p['boot-storage-device'] as string | null | undefined) ?? null,
      bootWwpn: (p['boot-world-wide-port-name'] as string | undefined) ?? '',
      bootLun: (p['boot-logical-unit-number'] as string | undefined) ?? '',
      bootOsSpecificParameters: String(p['boot-os-specific-parameters'] ?? ''),
      nics,
      hbas,
    };
  }

  /** Partitions of a CPC whose whole name matches `nameRegex` (HMC-side filter: one request). */
  async listPartitions(cpcUri: string, nameRegex?: string): Promise<PartitionRef[]> {
    const list = await this.client.partitions.list(cpcUri, nameRegex ? { name: nameRegex } : {});
    return list.map((p) => ({ uri: p['object-uri'], name: p.name, status: p.status as HmcPartitionStatus }));
  }

  /** Exact-name lookup; names are unique per CPC. */
  async findPartitionByName(cpcUri: string, name: string): Promise<PartitionRef | undefined> {
    const p = await this.client.partitions.tryFindByName(cpcUri, name);
    return p && { uri: p['object-uri'], name: p.name, status: p.status as HmcPartitionStatus };
  }

  /** Not idempotent: the caller's create guard (find by name first) makes it safe to repeat a reconcile. */
  createPartition(cpcUri: string, props: HmcProps): Promise<string> {
    return this.client.partitions.create(cpcUri, props);
  }

  /** Updates a partition, NIC or HBA (all take POST on their URI) and writes the change through the cache. */
  async update(uri: string, props: HmcProps): Promise<void> {
    if (/\/nics\//.test(uri)) await this.client.nics.update(uri, props);
    else if (/\/hbas\//.test(uri)) await this.client.hbas.update(uri, props);
    else await this.client.partitions.update(uri, props);
    const entry = this.cache.get(uri);
    if (entry) Object.assign(entry, props);
  }

  async deletePartition(uri: string): Promise<void> {
    await this.client.partitions.delete(uri);
    const p = this.cache.get(uri);
    for (const u of [...((p?.['nic-uris'] as string[]) ?? []), ...((p?.['hba-uris'] as string[]) ?? [])]) {
      this.cache.delete(u);
    }
    this.cache.delete(uri);
  }

  /** Starts or stops through the async job; the partition's status is re-read afterwards. */
  async operation(uri: string, op: 'start' | 'stop'): Promise<void> {
    try {
      await (op === 'start' ? this.client.partitions.start(uri) : this.client.partitions.stop(uri));
    } finally {
      this.cache.delete(uri);
    }
  }

  /** Keeps a cached partition's nic-uris / hba-uris in step with an element added or removed (idempotent). */
  private trackElement(elementUri: string, action: 'add' | 'remove'): void {
    const parent = this.cache.get(parentOf(elementUri));
    if (!parent) return;
    const key = /\/nics\//.test(elementUri) ? 'nic-uris' : 'hba-uris';
    const list = ((parent[key] as string[] | undefined) ?? []).filter((u) => u !== elementUri);
    parent[key] = action === 'add' ? [...list, elementUri] : list;
  }

  async createNic(partitionUri: string, props: HmcProps): Promise<string> {
    const uri = await this.client.nics.create(partitionUri, props);
    this.trackElement(uri, 'add');
    return uri;
  }

  async createHba(partitionUri: string, props: HmcProps): Promise<string> {
    const uri = await this.client.hbas.create(partitionUri, props);
    this.trackElement(uri, 'add');
    return uri;
  }

  async deleteElement(elementUri: string): Promise<void> {
    await (/\/nics\//.test(elementUri)
      ? this.client.nics.delete(elementUri)
      : this.client.hbas.delete(elementUri));
    this.cache.delete(elementUri);
    this.trackElement(elementUri, 'remove');
  }

  /** The virtual switch backed by an adapter port (OSA, HiperSockets). Cached: switches do not move. */
  async virtualSwitchFor(cpcUri: string, adapterObjectId: string, port: number): Promise<string | undefined> {
    const key = `vswitch:${cpcUri}:${adapterObjectId}:${port}`;
    const hit = this.cache.get(key);
    if (hit) return hit.uri as string;
    try {
      const vs = await this.client.virtualSwitches.findByBacking(
        cpcUri,
        `/api/adapters/${adapterObjectId}`,
        port,
      );
      this.cache.set(key, { uri: vs['object-uri'] });
      return vs['object-uri'];
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }
}
