// The operator's only HMC connection pool: one HMC session (+ notifications + jobs + observed cache) per
// distinct HMC endpoint, userid and CA, shared by every CpcSubset that uses them (the HMC limits sessions
// per user). Credentials come only from the CpcSubset's Secret, read by name (never listed or watched)
// when a subset is (re-)checked and when the HMC refuses a logon, and are never logged.
import { createHash } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CpcSubset } from '../crds/index.js';
import { HmcClient } from '../hmc/client.js';
import type { SessionLedger } from '../hmc/session-ledger.js';
import { HmcGateway, attachNotifications, type HmcChange } from './hmc-gateway.js';

export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
}

export interface HmcConnection {
  readonly fingerprint: string;
  readonly client: HmcClient;
  readonly gateway: HmcGateway;
}

export interface ConnectionsOptions {
  kubeConfig: k8s.KubeConfig;
  log: Logger;
  metricsRegistry?: Registry;
  /**
   * Called for every HMC change after the gateway's cache applied it (`change`: for the other caches);
   * `partitionUri` undefined = resync everything.
   */
  onChange(conn: HmcConnection, partitionUri: string | undefined, change?: HmcChange): void;
  /** STOMP port; the HMC's is 61612. */
  stompPort?: (subset: CpcSubset) => number | undefined;
  /** Where each connection's session ids are recorded (so a successor logs off what a killed process left). */
  ledger?: (connectionKey: string) => SessionLedger;
}

export class HmcConnections {
  private readonly byFingerprint = new Map<string, Promise<HmcConnection>>();
  /** CpcSubset namespace/name -> the fingerprint of the connection it uses. */
  private readonly bySubset = new Map<string, string>();
  private readonly core: k8s.CoreV1Api;

  constructor(private readonly opts: ConnectionsOptions) {
    this.core = opts.kubeConfig.makeApiClient(k8s.CoreV1Api);
  }

  /** Reads the subset's Secret; throws CredentialsError naming what is missing. */
  async credentials(
    subset: CpcSubset,
  ): Promise<{ userid: string; password: string; ca?: string; version: string }> {
    const ref = subset.spec.hmc.credentialsSecretRef;
    const ns = subset.metadata.namespace ?? 'default';
    let secret: k8s.V1Secret;
    try {
      secret = await this.core.readNamespacedSecret({ namespace: ns, name: ref.name });
    } catch (e) {
      if (e instanceof k8s.ApiException && e.code === 404) {
        throw new CredentialsError(`spec.hmc.credentialsSecretRef.name: Secret ${ns}/${ref.name} not found`);
      }
      throw e;
    }
    const get = (key: string): string | undefined => {
      const v = secret.data?.[key] ?? undefined;
      return v === undefined ? secret.stringData?.[key] : Buffer.from(v, 'base64').toString('utf8');
    };
    const userid = get(ref.useridKey ?? 'userid');
    const password = get(ref.passwordKey ?? 'password');
    if (!userid || !password) {
      const missing = !userid ? (ref.useridKey ?? 'userid') : (ref.passwordKey ?? 'password');
      throw new CredentialsError(
        `Secret ${ns}/${ref.name} has no key "${missing}" (spec.hmc.credentialsSecretRef)`,
      );
    }
    return {
      userid,
      password,
      ca: get(ref.caBundleKey ?? 'ca.crt'),
      version: secret.metadata?.resourceVersion ?? '',
    };
  }

  /**
   * The connection a subset already uses, without reading its Secret (the partition hot path); the first
   * time, or after `forget`, the same as `get`.
   */
  async cached(subset: CpcSubset): Promise<HmcConnection> {
    const fp = this.bySubset.get(subsetKey(subset));
    const conn = fp ? this.byFingerprint.get(fp) : undefined;
    return conn ?? this.get(subset);
  }

  /** Drops a subset's mapping (credentials rejected, subset deleted); its session closes if no one else uses it. */
  async forget(subset: CpcSubset | string): Promise<void> {
    const key = typeof subset === 'string' ? subset : subsetKey(subset);
    const fp = this.bySubset.get(key);
    this.bySubset.delete(key);
    if (fp) await this.closeIfUnused(fp);
  }

  /**
   * The connection for a subset, re-reading its Secret (the periodic re-check): reused when endpoint,
   * userid and CA are unchanged (a rotated password is used from the next logon on), rebuilt otherwise
   * (the old session is logged off once no subset uses it).
   */
  async get(subset: CpcSubset): Promise<HmcConnection> {
    const creds = await this.credentials(subset);
    const hmc = subset.spec.hmc;
    const port = hmc.port ?? 6794;
    const hosts = [hmc.host, hmc.alternateHost]
      .filter((h): h is string => Boolean(h))
      .map((h) => `${h}:${port}`);
    const fingerprint = hash([hosts, creds.userid, creds.ca ?? '', hmc.insecureSkipTLSVerify ?? false]);
    let conn = this.byFingerprint.get(fingerprint);
    if (conn) {
      const password = creds.password;
      void conn.then((c) => c.client.session.setPassword(password)).catch(() => undefined);
    } else {
      conn = this.open(fingerprint, hosts, creds, subset);
      this.byFingerprint.set(fingerprint, conn);
      conn.catch(() => this.byFingerprint.delete(fingerprint));
    }
    const key = subsetKey(subset);
    const previous = this.bySubset.get(key);
    this.bySubset.set(key, fingerprint);
    if (previous && previous !== fingerprint) await this.closeIfUnused(previous);
    return conn;
  }

  private async closeIfUnused(fingerprint: string): Promise<void> {
    if ([...this.bySubset.values()].includes(fingerprint)) return;
    const conn = this.byFingerprint.get(fingerprint);
    this.byFingerprint.delete(fingerprint);
    const c = await conn?.catch(() => undefined);
    if (c) await c.client.close();
  }

  private async open(
    fingerprint: string,
    hosts: string[],
    creds: { userid: string; password: string; ca?: string; version: string },
    subset: CpcSubset,
  ): Promise<HmcConnection> {
    const ns = subset.metadata.namespace ?? 'default';
    const ref = subset.spec.hmc.credentialsSecretRef;
    const client = await HmcClient.connect({
      hosts,
      userid: creds.userid,
      password: creds.password,
      ca: creds.ca,
      insecureSkipTLSVerify: subset.spec.hmc.insecureSkipTLSVerify ?? false,
      caSetting:
        `key "${ref.caBundleKey ?? 'ca.crt'}" of Secret ${ns}/${ref.name} ` +
        `(CpcSubset ${ns}/${subset.metadata.name ?? ''} spec.hmc.credentialsSecretRef.caBundleKey; ` +
        `Helm value hmc.caBundle)`,
      // A logon refused after a rotation: re-read the Secret by name, once (not on the hot path).
      refreshPassword: async () => (await this.credentials(subset)).password,
      ledger: this.opts.ledger?.(hash([hosts, creds.userid])),
      logger: this.opts.log,
      metricsRegistry: this.opts.metricsRegistry,
      name: hosts[0],
      stompPort: this.opts.stompPort?.(subset),
    });
    const log = client.session.logger; // carries the hmc label once
    // A new connection starts with an empty cache, so nothing is lost before these listeners attach.
    const gateway = new HmcGateway(client);
    const conn: HmcConnection = { fingerprint, client, gateway };
    client.notifications?.on('resync', (e) =>
      log.info({ reason: e.reason }, 'HMC notifications may have been missed; resyncing'),
    );
    attachNotifications(client, gateway, (partitionUri, change) =>
      this.opts.onChange(conn, partitionUri, change),
    );
    log.info('connected to the HMC (session and notifications)');
    return conn;
  }

  async closeAll(): Promise<void> {
    const all = [...this.byFingerprint.values()];
    this.byFingerprint.clear();
    this.bySubset.clear();
    for (const p of all) {
      const c = await p.catch(() => undefined);
      if (c) await c.client.close();
    }
  }
}

function hash(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

function subsetKey(subset: CpcSubset): string {
  return `${subset.metadata.namespace ?? ''}/${subset.metadata.name ?? ''}`;
}
