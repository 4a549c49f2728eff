import { isNotFound } from './errors.js';
import { expectOne, type Properties } from './resource.js';
import type { HmcSession } from './session.js';
import { type QueryFilter, regexLiteral, withProperties, withQuery } from './uri.js';

/** HMC `fulfillment-state` of a storage group or storage volume. */
export type HmcFulfillmentState =
  | 'pending'
  | 'pending-with-mismatches'
  | 'incomplete'
  | 'complete'
  | 'checking-migration'
  | 'deleting'
  | 'overprovisioned';

/** One entry of `storage-volumes` in a Create / Modify Storage Group request. */
export type StorageVolumeRequest =
  | {
      operation: 'create';
      name: string;
      /** GiB. */
      size: number;
      usage: 'boot' | 'data';
      description?: string;
    }
  | {
      operation: 'modify';
      'element-uri': string;
      name?: string;
      size?: number;
      usage?: 'boot' | 'data';
      description?: string;
    }
  | { operation: 'delete'; 'element-uri': string };

/** Writable storage group properties (Modify Storage Group Properties). */
export interface StorageGroupSettings extends Properties {
  name?: string;
  description?: string;
  shared?: boolean;
  connectivity?: number;
  'max-partitions'?: number;
  'email-to-addresses'?: string[] | null;
  'email-cc-addresses'?: string[] | null;
  'email-insert'?: string | null;
}

/** Create Storage Group: the settings plus the CPC, the type and the initial volumes. */
export interface StorageGroupCreate extends StorageGroupSettings {
  name: string;
  'cpc-uri': string;
  /** This project manages FCP groups only (`fc` is FICON/ECKD). */
  type: 'fcp';
  'storage-volumes'?: Extract<StorageVolumeRequest, { operation: 'create' }>[];
}

/** An entry of `GET /api/storage-groups` (the HMC's short property set). */
export interface StorageGroupSummary {
  readonly 'object-uri': string;
  readonly 'cpc-uri': string;
  readonly name: string;
  readonly 'fulfillment-state': HmcFulfillmentState;
  readonly type: 'fcp' | 'fc';
}

export interface StorageGroupProperties extends StorageGroupSettings {
  readonly 'object-uri': string;
  readonly 'object-id'?: string;
  readonly 'cpc-uri'?: string;
  readonly type?: 'fcp' | 'fc';
  readonly 'fulfillment-state'?: HmcFulfillmentState;
  readonly 'storage-volume-uris'?: readonly string[];
  readonly 'virtual-storage-resource-uris'?: readonly string[];
  readonly 'candidate-adapter-port-uris'?: readonly string[];
  readonly 'unassigned-world-wide-port-names'?: readonly string[];
}

export interface StorageGroupListFilter {
  /** Regexes matched against the whole value; arrays mean OR. */
  readonly name?: string | readonly string[];
  readonly 'cpc-uri'?: string;
  readonly type?: string;
  readonly 'fulfillment-state'?: HmcFulfillmentState | readonly HmcFulfillmentState[];
}

/** A partition a group is attached to (Get Partitions for a Storage Group). */
export interface AttachedPartition {
  readonly 'object-uri': string;
  readonly name: string;
  readonly status?: string;
}

/**
 * Storage groups of the HMC (`/api/storage-groups/{id}`; each belongs to one CPC through `cpc-uri`).
 * They exist only on CPCs with the firmware feature `dpm-storage-management` (z14 ZR1 and later).
 * Volumes are created, modified and deleted through `modify` (see StorageVolumeManager).
 */
export class StorageGroupManager {
  constructor(private readonly session: HmcSession) {}

  /** `GET /api/storage-groups` with server-side filters: one request. */
  async list(filter: StorageGroupListFilter = {}): Promise<StorageGroupSummary[]> {
    const res = await this.session.get<{ 'storage-groups': StorageGroupSummary[] }>(
      withQuery('/api/storage-groups', filter as QueryFilter),
    );
    return res['storage-groups'];
  }

  /** The group with exactly this name on the CPC, or undefined (one request). NoUniqueMatchError. */
  async tryFindByName(cpcUri: string, name: string): Promise<StorageGroupSummary | undefined> {
    const list = (await this.list({ 'cpc-uri': cpcUri, name: regexLiteral(name) })).filter(
      (g) => g.name === name && g['cpc-uri'] === cpcUri,
    );
    return list.length === 0
      ? undefined
      : expectOne('storage-group', { cpc: cpcUri, name }, list, (g) => g['object-uri']);
  }

  /** `GET /api/storage-groups/{id}[?properties=...]`: one request; 404.1 if gone. */
  get(groupUri: string, properties?: readonly string[]): Promise<StorageGroupProperties> {
    return this.session.get<StorageGroupProperties>(withProperties(groupUri, properties));
  }

  /**
   * `POST /api/storage-groups` -> object-uri. NOT idempotent (a lost response may have created it: the
   * caller finds it by name). 400.8 duplicate name; 409 when the CPC lacks dpm-storage-management.
   */
  async create(settings: StorageGroupCreate): Promise<string> {
    return (await this.createWithVolumes(settings)).uri;
  }

  /** `create`, also answering the element-uris of the volumes it created (in request order). */
  async createWithVolumes(settings: StorageGroupCreate): Promise<{ uri: string; volumeUris: string[] }> {
    const res = await this.session.post<{ 'object-uri': string; 'element-uris'?: string[] }>(
      '/api/storage-groups',
      settings,
    );
    return { uri: res.body['object-uri'], volumeUris: res.body['element-uris'] ?? [] };
  }

  /**
   * `POST .../operations/modify`: group properties and volume requests in one call. Returns the element-uris
   * of created volumes (in request order). NOT idempotent when it creates volumes.
   */
  async modify(
    groupUri: string,
    settings: StorageGroupSettings & { 'storage-volumes'?: StorageVolumeRequest[] },
  ): Promise<string[]> {
    const creates = (settings['storage-volumes'] ?? []).some((v) => v.operation === 'create');
    const res = await this.session.post<{ 'element-uris'?: string[] } | undefined>(
      `${groupUri}/operations/modify`,
      settings,
      { idempotent: !creates },
    );
    return res.body?.['element-uris'] ?? [];
  }

  /**
   * `POST .../operations/delete` (with no e-mail). Only when attached to no partition (409 otherwise).
   * An already deleted group counts as success.
   */
  async delete(groupUri: string): Promise<void> {
    try {
      await this.session.post(`${groupUri}/operations/delete`, {}, { idempotent: true });
    } catch (e) {
      // The session's notFoundOk is for DELETE only; this delete is a POST.
      if (!isNotFound(e)) throw e;
    }
  }

  /** `POST .../operations/add-candidate-adapter-ports` {adapter-port-uris}. Not idempotent: 409 for a port already listed. */
  async addCandidatePorts(groupUri: string, portUris: readonly string[]): Promise<void> {
    await this.session.post(`${groupUri}/operations/add-candidate-adapter-ports`, {
      'adapter-port-uris': portUris,
    });
  }

  /** `POST .../operations/remove-candidate-adapter-ports` {adapter-port-uris}. Not idempotent: 409 for a port not listed. */
  async removeCandidatePorts(groupUri: string, portUris: readonly string[]): Promise<void> {
    await this.session.post(`${groupUri}/operations/remove-candidate-adapter-ports`, {
      'adapter-port-uris': portUris,
    });
  }

  /** `GET .../operations/get-partitions`: the partitions the group is attached to (one request). */
  async attachedPartitions(groupUri: string): Promise<AttachedPartition[]> {
    const res = await this.session.get<{ partitions: AttachedPartition[] }>(
      `${groupUri}/operations/get-partitions`,
    );
    return res.partitions;
  }

  /** `POST .../operations/request-fulfillment` (asks the storage administrator again; e-mail optional). */
  async requestFulfillment(groupUri: string): Promise<void> {
    await this.session.post(`${groupUri}/operations/request-fulfillment`, {}, { idempotent: true });
  }

  /** `POST /api/partitions/{id}/operations/attach-storage-group` {storage-group-uri}: the HMC creates the VSRs. */
  async attach(partitionUri: string, groupUri: string): Promise<void> {
    await this.session.post(`${partitionUri}/operations/attach-storage-group`, {
      'storage-group-uri': groupUri,
    });
  }

  /** `POST /api/partitions/{id}/operations/detach-storage-group` {storage-group-uri}: the VSRs go away. */
  async detach(partitionUri: string, groupUri: string): Promise<void> {
    await this.session.post(
      `${partitionUri}/operations/detach-storage-group`,
      { 'storage-group-uri': groupUri },
      { idempotent: true },
    );
  }
}
