// What the controllers ask of one HMC, with an observed-state cache kept fresh by HMC notifications so that
// a reconcile of an unchanged partition costs no HMC request (the HMC is slow and shared).
import type { HmcClient } from '../hmc/client.js';
import { NotFoundError, isNotFound } from '../hmc/errors.js';
import type { JobStatus } from '../hmc/jobs.js';
import type { HmcNotification } from '../hmc/notifications.js';
import type { OsMessageInfo } from '../hmc/os-messages.js';
import type {
  HmcPartitionStatus,
  HmcProps,
  JobOperation,
  JobState,
  ObservedHba,
  PendingJob,
  ObservedNic,
  ObservedPartition,
  ObservedStorageVolume,
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
  | { kind: 'job-completion'; uri: string }
  | { kind: 'resync' };

/** Decodes a notification into a cache change (undefined: nothing the controllers use). */
export function toChange(n: HmcNotification): HmcChange | undefined {
  if (n.type === 'job-completion') return { kind: 'job-completion', uri: n.jobUri };
  const uri = n.elementUri ?? n.objectUri;
  if (!uri) return undefined;
  switch (n.type) {
    case 'status-change': {
      const s = n.changeReports.find((r) => r['new-status'])?.['new-status'];
      return s ? { kind: 'status-change', uri, status: s } : undefined;
    }
    case 'property-change': {
      const changes: Record<string, unknown> = {};
      for (const r of n.changeReports) if (r['property-name']) changes[r['property-name']] = r['new-value'];
      return { kind: 'property-change', uri, changes };
    }
    case 'inventory-change':
      return { kind: 'inventory-change', uri, action: n.action ?? 'add' };
  }
}

/**
 * Feeds a client's notifications into a gateway; `onChange` gets the partition URI each change concerns
 * (a storage group, volume or VSR URI for storage changes; undefined = notifications may have been missed:
 * resync everything) and the change itself (for the caches of other controllers).
 */
export function attachNotifications(
  client: HmcClient,
  gateway: HmcGateway,
  onChange: (partitionUri: string | undefined, change?: HmcChange) => void,
): void {
  client.notifications?.on('notification', (n: HmcNotification) => {
    const change = toChange(n);
    if (!change) return;
    const partitionUri = gateway.applyChange(change);
    if (partitionUri) onChange(partitionUri, change);
  });
  client.notifications?.on('resync', () => {
    gateway.applyChange({ kind: 'resync' });
    onChange(undefined);
  });
}

/** How many ended job URIs the gateway remembers (a completion may arrive before anyone asks). */
const COMPLETED_JOBS_LIMIT = 10_000;

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
  /** Storage group `cpcUri|name` -> its URI (null: none), until an inventory change of storage groups. */
  private readonly groupByName = new Map<string, string | null>();
  /** Storage volumes by group URI; volume notifications are applied, an added or removed volume drops them. */
  private readonly volumesByGroup = new Map<string, ObservedStorageVolume[]>();
  /** Group URI -> partition URI -> the VSRs its last `storagePaths` read saw, and whether one changed since. */
  private readonly pathReads = new Map<string, Map<string, { uris: Set<string>; stale: boolean }>>();
  /** Job URI -> the partition it was submitted for (this process's submissions, for routing completions). */
  private readonly jobs = new Map<string, string>();
  /** Job URIs whose completion notification arrived. */
  private readonly completed = new Set<string>();
  /** Job URIs this process already finished (a pass on a stale Partition cache must not finish them twice). */
  private readonly finished = new Set<string>();
  /** Virtual switch list requests in flight, by CPC URI. */
  private readonly vswitchLists = new Map<string, Promise<Set<string>>>();
  /** CPC URI + partition name -> URI of partitions this process created or found (names are unique per CPC). */
  private readonly byName = new Map<string, string>();

  constructor(private readonly client: HmcClient) {}

  /** Applies a notification to the cache; returns the partition URI it concerns, if any. */
  applyChange(change: HmcChange): string | undefined {
    if (change.kind === 'resync') {
      this.cache.clear();
      this.groupByName.clear();
      this.volumesByGroup.clear();
      for (const reads of this.pathReads.values()) for (const r of reads.values()) r.stale = true;
      return undefined;
    }
    if (change.kind === 'job-completion') {
      this.completed.add(change.uri);
      if (this.completed.size > COMPLETED_JOBS_LIMIT) {
        const oldest = this.completed.values().next().value;
        if (oldest !== undefined) this.completed.delete(oldest);
      }
      return this.jobs.get(change.uri);
    }
    const group = /^\/api\/storage-groups\/[^/]+/.exec(change.uri)?.[0];
    if (group) {
      this.applyStorageChange(group, change);
      return change.uri;
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
   * A storage group, volume or VSR notification: volume property changes (fulfillment) are applied to the
   * cached volume list; a volume added or removed makes the list be read again; a group added or removed
   * changes what a name lookup answers. VSR changes touch none of this.
   */
  private applyStorageChange(
    group: string,
    change: Exclude<HmcChange, { kind: 'resync' | 'job-completion' }>,
  ): void {
    const uri = change.uri;
    if (uri === group) {
      if (change.kind !== 'inventory-change') return;
      for (const [key, u] of this.groupByName) {
        // A new group may answer a lookup that found none; a removed one answers no more.
        if (change.action === 'add' ? u === null : u === group) this.groupByName.delete(key);
      }
      if (change.action === 'remove') this.volumesByGroup.delete(group);
      return;
    }
    if (uri.includes('/virtual-storage-resources/')) {
      const reads = [...(this.pathReads.get(group)?.values() ?? [])];
      const mine = reads.filter((r) => r.uris.has(uri));
      // A path added that no read has seen may be anyone's; a known one changed or went: its reader's.
      if (!(change.kind === 'inventory-change' && change.action === 'add' && mine.length > 0))
        for (const r of mine.length > 0 ? mine : reads) r.stale = true;
      return;
    }
    if (!uri.includes('/storage-volumes/')) return;
    const vols = this.volumesByGroup.get(group);
    if (!vols) return;
    const i = vols.findIndex((v) => v.uri === uri);
    if (change.kind === 'property-change' && i >= 0) {
      const c = change.changes;
      const v = { ...vols[i]! };
      if ('name' in c) v.name = String(c.name ?? '');
      if ('usage' in c) v.usage = String(c.usage ?? 'data');
      if ('fulfillment-state' in c) v.fulfillmentState = String(c['fulfillment-state'] ?? 'pending');
      this.volumesByGroup.set(
        group,
        vols.map((x, k) => (k === i ? v : x)),
      );
    } else if (change.kind === 'inventory-change' || i < 0) this.volumesByGroup.delete(group);
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
    this.volumesByGroup.delete(uri);
  }

  /** The URI of the storage group with this HMC name on the CPC (cached; one request on a miss). */
  async storageGroupByName(cpcUri: string, name: string): Promise<string | undefined> {
    const key = `${cpcUri}|${name}`;
    if (!this.groupByName.has(key)) {
      const g = await this.client.storageGroups.tryFindByName(cpcUri, name);
      this.groupByName.set(key, g ? g['object-uri'] : null);
    }
    return this.groupByName.get(key) ?? undefined;
  }

  /** A group's volumes (cached until a notification about the group; one request on a miss). */
  async storageVolumes(groupUri: string): Promise<ObservedStorageVolume[]> {
    let vols = this.volumesByGroup.get(groupUri);
    if (!vols) {
      vols = (await this.client.storageVolumes.list(groupUri)).map((v) => ({
        uri: v['element-uri'],
        name: String(v.name ?? ''),
        usage: String(v.usage ?? 'data'),
        fulfillmentState: String(v['fulfillment-state'] ?? 'pending'),
      }));
      this.volumesByGroup.set(groupUri, vols);
    }
    return vols;
  }

  /**
   * The partition's virtual storage resources in a group (one request; only for status). The caller keeps
   * them (in status) until `storagePathsChanged` says a VSR notification concerned them.
   */
  async storagePaths(
    groupUri: string,
    partitionUri: string,
  ): Promise<{ deviceNumber: string; wwpn: string; adapterPortUri: string }[]> {
    const reads = this.pathReads.get(groupUri) ?? new Map<string, { uris: Set<string>; stale: boolean }>();
    const read = { uris: new Set<string>(), stale: false };
    reads.set(partitionUri, read);
    this.pathReads.set(groupUri, reads);
    const vsrs = await this.client.virtualStorageResources.list(groupUri, { 'partition-uri': partitionUri }, [
      'world-wide-port-name',
    ]);
    for (const r of vsrs) read.uris.add(r['element-uri']);
    return vsrs.map((r) => ({
      deviceNumber: String(r['device-number'] ?? ''),
      wwpn: String(r['world-wide-port-name'] ?? ''),
      adapterPortUri: String(r['adapter-port-uri'] ?? ''),
    }));
  }

  /** Whether a VSR notification (renumbered, added, removed) concerned the paths last read for the partition. */
  storagePathsChanged(groupUri: string, partitionUri: string): boolean {
    return this.pathReads.get(groupUri)?.get(partitionUri)?.stale === true;
  }

  /**
   * Attach / detach a storage group. The answer says the partition's storage-group-uris changed: written
   * through the cache (no read follows); after a failure the partition is read again.
   */
  async attachStorageGroup(partitionUri: string, groupUri: string): Promise<void> {
    await this.attachment(partitionUri, groupUri, 'attach');
  }

  async detachStorageGroup(partitionUri: string, groupUri: string): Promise<void> {
    await this.attachment(partitionUri, groupUri, 'detach');
  }

  private async attachment(partitionUri: string, groupUri: string, op: 'attach' | 'detach'): Promise<void> {
    try {
      await (op === 'attach'
        ? this.client.storageGroups.attach(partitionUri, groupUri)
        : this.client.storageGroups.detach(partitionUri, groupUri));
    } catch (e) {
      this.cache.delete(partitionUri);
      throw e;
    }
    if (op === 'detach') this.pathReads.get(groupUri)?.delete(partitionUri);
    const entry = this.cache.get(partitionUri);
    if (!entry) return;
    const uris = ((entry['storage-group-uris'] as string[] | undefined) ?? []).filter((u) => u !== groupUri);
    entry['storage-group-uris'] = op === 'attach' ? [...uris, groupUri] : uris;
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
      bootStorageVolume: (p['boot-storage-volume'] as string | null | undefined) ?? null,
      storageGroupUris: [...((p['storage-group-uris'] as string[] | undefined) ?? [])],
      nics,
      hbas,
    };
  }

  /** Partitions of a CPC whose whole name matches `nameRegex` (HMC-side filter: one request). */
  async listPartitions(cpcUri: string, nameRegex?: string): Promise<PartitionRef[]> {
    const list = await this.client.partitions.list(cpcUri, nameRegex ? { name: nameRegex } : {});
    return list.map((p) => ({ uri: p['object-uri'], name: p.name, status: p.status as HmcPartitionStatus }));
  }

  /**
   * Exact-name lookup; names are unique per CPC. A partition this process created or found is answered from
   * the cache (a pass that runs before the informer shows status.partitionUri costs no list request).
   */
  async findPartitionByName(cpcUri: string, name: string): Promise<PartitionRef | undefined> {
    const known = this.byName.get(`${cpcUri} ${name}`);
    const entry = known ? this.cache.get(known) : undefined;
    if (known && entry) return { uri: known, name, status: entry.status as HmcPartitionStatus };
    const p = await this.client.partitions.tryFindByName(cpcUri, name);
    if (p) this.byName.set(`${cpcUri} ${name}`, p['object-uri']);
    return p && { uri: p['object-uri'], name: p.name, status: p.status as HmcPartitionStatus };
  }

  /**
   * Not idempotent: the caller records "create attempted" first and finds the partition by name after an
   * ambiguous failure. The cache is seeded with what the HMC has now (a new partition is `stopped`, with no
   * NICs or HBAs and the properties sent), so no GET follows the create.
   */
  async createPartition(cpcUri: string, props: HmcProps): Promise<string> {
    const uri = await this.client.partitions.create(cpcUri, props);
    this.cache.set(uri, { ...props, 'object-uri': uri, status: 'stopped', 'nic-uris': [], 'hba-uris': [] });
    this.byName.set(`${cpcUri} ${String(props.name)}`, uri);
    return uri;
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
    for (const [k, u] of this.byName) if (u === uri) this.byName.delete(k);
    const p = this.cache.get(uri);
    for (const u of [...((p?.['nic-uris'] as string[]) ?? []), ...((p?.['hba-uris'] as string[]) ?? [])]) {
      this.cache.delete(u);
    }
    this.cache.delete(uri);
  }

  /**
   * Submits a start or stop job and returns its URI at once: nobody waits for it. Its end is learnt from the
   * partition's status notifications, the job-completion notification, or `jobState` (the bounded poll).
   */
  async submitJob(partitionUri: string, op: JobOperation): Promise<string> {
    const jobUri = await (op === 'start'
      ? this.client.partitions.startJob(partitionUri)
      : this.client.partitions.stopJob(partitionUri));
    this.jobs.set(jobUri, partitionUri);
    return jobUri;
  }

  /** The partition's OS messages: one List OS Messages (not cached: no notification keeps them). */
  listOsMessages(partitionUri: string): Promise<OsMessageInfo[]> {
    return this.client.osMessages.list(partitionUri);
  }

  /** Whether the job's completion notification arrived (no request). */
  jobCompleted(jobUri: string): boolean {
    return this.completed.has(jobUri);
  }

  /** Whether this process already finished (deleted) the job. */
  jobFinished(jobUri: string): boolean {
    return this.finished.has(jobUri);
  }

  /** `GET` of the job: one request. A job the HMC no longer knows is `lost`. */
  async jobState(jobUri: string, recheckMs: number): Promise<JobState> {
    let st: JobStatus;
    try {
      st = await this.client.jobs.get(jobUri);
    } catch (e) {
      if (isNotFound(e)) return { state: 'lost' };
      throw e;
    }
    if (st.status === 'running' || st.status === 'cancel-pending') return { state: 'running', recheckMs };
    const code = st['job-status-code'] ?? (st.status === 'complete' ? 200 : 0);
    if (st.status === 'complete' && code >= 200 && code < 300) return { state: 'succeeded' };
    const results = st['job-results'] as { message?: unknown } | null | undefined;
    const reason = st['job-reason-code'];
    const message =
      typeof results?.message === 'string'
        ? results.message
        : `job ${jobUri} ended ${st.status} (HTTP ${code}${reason !== undefined ? `.${reason}` : ''})`;
    return { state: 'failed', message };
  }

  /** Observes a recorded job's end in hmc_job_duration_seconds (from its status.pendingJob.submittedAt). */
  observeJobEnd(job: PendingJob, state: JobState['state'], now: Date): void {
    const metrics = this.client.session.hmcMetrics;
    const seconds = (now.getTime() - Date.parse(job.submittedAt)) / 1000;
    if (!metrics || !Number.isFinite(seconds) || state === 'running') return;
    const result = state === 'succeeded' ? 'complete' : state;
    metrics.jobDuration.observe(
      { hmc: this.client.session.name, operation: job.operation, result },
      Math.max(0, seconds),
    );
  }

  /** Deletes the ended job's status on the HMC (as zhmcclient does); idempotent. */
  async finishJob(jobUri: string): Promise<void> {
    await this.client.session.delete(jobUri, { idempotent: true, notFoundOk: true });
    this.jobs.delete(jobUri);
    this.completed.delete(jobUri);
    this.finished.add(jobUri);
    if (this.finished.size > COMPLETED_JOBS_LIMIT) {
      const oldest = this.finished.values().next().value;
      if (oldest !== undefined) this.finished.delete(oldest);
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

  /**
   * Creates a NIC. With its device number chosen by the caller every property the controllers read is known,
   * so the cache is seeded from the request and no GET follows.
   */
  async createNic(partitionUri: string, props: HmcProps): Promise<string> {
    const uri = await this.client.nics.create(partitionUri, props);
    this.cache.set(uri, { ...props, 'element-uri': uri });
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

  /** Object-URIs of the CPC's virtual switches: one list request per CPC and connection (switches do not move). */
  async virtualSwitchUris(cpcUri: string): Promise<ReadonlySet<string>> {
    const key = `vswitches:${cpcUri}`;
    const hit = this.cache.get(key);
    if (hit) return hit.uris as Set<string>;
    // Passes running together on a cold cache share one request (the bench's 20 workers sent 58 for 12 CPCs).
    let pending = this.vswitchLists.get(cpcUri);
    if (!pending) {
      pending = this.client.virtualSwitches
        .list(cpcUri)
        .then((list) => {
          const uris = new Set(list.map((v) => v['object-uri']));
          this.cache.set(key, { uris });
          return uris;
        })
        .finally(() => this.vswitchLists.delete(cpcUri));
      this.vswitchLists.set(cpcUri, pending);
    }
    return pending;
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
