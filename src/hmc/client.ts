import { createHash } from 'node:crypto';
import { AdapterManager } from './adapter.js';
import { CpcManager } from './cpc.js';
import { HbaManager } from './hba.js';
import { JobManager, type JobManagerOptions } from './jobs.js';
import { NicManager } from './nic.js';
import { NotificationClient, type NotificationClientOptions } from './notifications.js';
import { OsMessageManager } from './os-messages.js';
import { PartitionManager } from './partition.js';
import { PortManager } from './port.js';
import { HmcSession, type HmcSessionOptions } from './session.js';
import { StorageGroupManager } from './storage-group.js';
import { StorageVolumeManager } from './storage-volume.js';
import { VirtualStorageResourceManager } from './virtual-storage-resource.js';
import { VirtualSwitchManager } from './virtual-switch.js';

export interface HmcClientOptions extends HmcSessionOptions {
  /** STOMP-over-TLS port for notifications (default 61612). */
  readonly stompPort?: number;
  /** Subscribe to notifications (default true); false = jobs are polled only. */
  readonly notifications?: boolean | Omit<NotificationClientOptions, 'stompPort'>;
  readonly jobs?: JobManagerOptions;
}

/**
 * One logged-on connection to one HMC, with a manager per resource type (zhmcclient's Client).
 * Get it with `HmcClient.connect(opts)`; `close()` stops notifications and logs off.
 */
export class HmcClient {
  readonly cpcs: CpcManager;
  readonly partitions: PartitionManager;
  readonly nics: NicManager;
  readonly hbas: HbaManager;
  readonly adapters: AdapterManager;
  readonly ports: PortManager;
  readonly virtualSwitches: VirtualSwitchManager;
  readonly storageGroups: StorageGroupManager;
  readonly storageVolumes: StorageVolumeManager;
  readonly virtualStorageResources: VirtualStorageResourceManager;
  readonly osMessages: OsMessageManager;
  readonly jobs: JobManager;

  private constructor(
    readonly session: HmcSession,
    readonly notifications: NotificationClient | undefined,
    jobOptions: JobManagerOptions | undefined,
  ) {
    const metrics = session.hmcMetrics;
    if (metrics && notifications) metrics.watchNotifications(session.name, notifications);
    this.jobs = new JobManager(session, notifications, { logger: session.logger, ...jobOptions });
    this.cpcs = new CpcManager(session);
    this.partitions = new PartitionManager(session, this.jobs);
    this.nics = new NicManager(session);
    this.hbas = new HbaManager(session);
    this.adapters = new AdapterManager(session);
    this.ports = new PortManager(session);
    this.virtualSwitches = new VirtualSwitchManager(session);
    this.storageGroups = new StorageGroupManager(session);
    this.storageVolumes = new StorageVolumeManager(session, this.storageGroups);
    this.virtualStorageResources = new VirtualStorageResourceManager(session);
    this.osMessages = new OsMessageManager(session);
  }

  /**
   * Pick the first answering host, log on, and (unless disabled) subscribe to notifications.
   * Throws HmcTlsError (certificate not trusted), HmcConnectionError (no host answered),
   * HmcHttpError (e.g. 403.0 bad credentials, 400.13 too many sessions).
   */
  static async connect(opts: HmcClientOptions): Promise<HmcClient> {
    const session = new HmcSession(opts);
    try {
      await session.logon();
      let notifications: NotificationClient | undefined;
      if (opts.notifications !== false) {
        const nopts = typeof opts.notifications === 'object' ? opts.notifications : {};
        notifications = new NotificationClient(session, {
          logger: session.logger,
          ...nopts,
          stompPort: opts.stompPort,
        });
        await notifications.start();
      }
      return new HmcClient(session, notifications, opts.jobs);
    } catch (err) {
      await session.close();
      throw err;
    }
  }

  /** Stop notifications, log off, release sockets. Never throws. */
  async close(): Promise<void> {
    this.jobs.close();
    await this.notifications?.stop().catch(() => undefined);
    if (this.notifications)
      this.session.hmcMetrics?.notificationsConnected.remove({ hmc: this.session.name });
    await this.session.close();
  }
}

/**
 * Clients shared per HMC and credentials, for processes other than the operator (the Nova bridge's console
 * reader). The operator's one pool is src/controllers/connections.ts (sessions recorded in its ledger).
 */
export interface HmcClientFactory {
  /** The client for these connection settings; connects on first use, reuses it afterwards. */
  get(opts: HmcClientOptions): Promise<HmcClient>;
  /** Close and forget the client for these settings (e.g. the CpcSubset was deleted). */
  release(opts: Pick<HmcClientOptions, 'hosts' | 'userid'>): Promise<void>;
  closeAll(): Promise<void>;
}

/**
 * A factory for controllers: `defaults` (logger, metrics registry, timeouts, ...) are merged under
 * each call's options. A changed password or CA for the same hosts+userid replaces the client.
 */
export function createHmcClientFactory(defaults: Partial<HmcClientOptions> = {}): HmcClientFactory {
  const clients = new Map<string, { fingerprint: string; client: Promise<HmcClient> }>();
  const keyOf = (o: Pick<HmcClientOptions, 'hosts' | 'userid'>): string => `${o.hosts.join(',')}|${o.userid}`;
  const fingerprintOf = (o: HmcClientOptions): string =>
    createHash('sha256')
      .update(
        JSON.stringify([o.password, String(o.ca ?? ''), o.insecureSkipTLSVerify ?? false, o.stompPort ?? 0]),
      )
      .digest('hex');
  const release = async (o: Pick<HmcClientOptions, 'hosts' | 'userid'>): Promise<void> => {
    const entry = clients.get(keyOf(o));
    clients.delete(keyOf(o));
    await entry?.client.then((c) => c.close()).catch(() => undefined);
  };
  return {
    async get(opts) {
      const merged: HmcClientOptions = { ...defaults, ...opts };
      const key = keyOf(merged);
      const fingerprint = fingerprintOf(merged);
      const existing = clients.get(key);
      if (existing && existing.fingerprint === fingerprint) return existing.client;
      if (existing) await release(merged);
      const client = HmcClient.connect(merged);
      clients.set(key, { fingerprint, client });
      client.catch(() => {
        if (clients.get(key)?.client === client) clients.delete(key);
      });
      return client;
    },
    release,
    async closeAll() {
      const all = [...clients.values()];
      clients.clear();
      await Promise.all(all.map((e) => e.client.then((c) => c.close()).catch(() => undefined)));
    },
  };
}
