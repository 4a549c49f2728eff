import type { Properties } from './resource.js';
import type { HmcSession } from './session.js';
import type { HmcFulfillmentState, StorageGroupManager, StorageVolumeRequest } from './storage-group.js';
import { withProperties, withQuery } from './uri.js';

/** A path to a fulfilled FCP volume (per host port: the storage's target WWPN and the LUN). */
export interface StorageVolumePath {
  readonly 'partition-uri'?: string;
  readonly 'device-number'?: string;
  readonly 'target-world-wide-port-name'?: string;
  readonly 'logical-unit-number'?: string;
}

export interface StorageVolumeProperties extends Properties {
  readonly 'element-uri': string;
  readonly 'element-id'?: string;
  readonly parent?: string;
  readonly name?: string;
  readonly description?: string;
  /** GiB. */
  readonly size?: number;
  readonly 'active-size'?: number;
  readonly usage?: 'boot' | 'data';
  readonly 'fulfillment-state'?: HmcFulfillmentState;
  /** Known once fulfilled. */
  readonly uuid?: string | null;
  readonly paths?: readonly StorageVolumePath[];
}

/** Identifies the fulfilled volume on the storage subsystem (Fulfill FCP Storage Volume). */
export interface FcpFulfillment {
  /** Storage subsystem WWPN, up to 16 hex digits. */
  wwpn: string;
  /** LUN, up to 16 hex digits. */
  lun: string;
  /** The CPC storage port to boot through: `/api/adapters/{id}/storage-ports/{n}`. */
  adapterPortUri: string;
}

/**
 * Storage volumes of a group (`/api/storage-groups/{id}/storage-volumes/{vid}`). They are created,
 * changed and deleted through the group's `modify` operation (one request for any number of volumes).
 */
export class StorageVolumeManager {
  constructor(
    private readonly session: HmcSession,
    private readonly groups: StorageGroupManager,
  ) {}

  /**
   * `GET {group}/storage-volumes`: the group's volumes in one request. The HMC answers element-uri, name,
   * fulfillment-state, size and usage; `additionalProperties` asks for more in the same request.
   */
  async list(
    groupUri: string,
    additionalProperties: readonly string[] = [],
  ): Promise<StorageVolumeProperties[]> {
    const res = await this.session.get<{ 'storage-volumes': StorageVolumeProperties[] }>(
      withQuery(`${groupUri}/storage-volumes`, {
        'additional-properties': additionalProperties.length ? additionalProperties.join(',') : undefined,
      }),
    );
    return res['storage-volumes'];
  }

  /** `GET` of one volume: one request; 404.1 if gone. */
  get(volumeUri: string, properties?: readonly string[]): Promise<StorageVolumeProperties> {
    return this.session.get<StorageVolumeProperties>(withProperties(volumeUri, properties));
  }

  /** Creates, modifies and deletes volumes in one Modify Storage Group request; returns created element-uris. */
  apply(groupUri: string, requests: StorageVolumeRequest[]): Promise<string[]> {
    return this.groups.modify(groupUri, { 'storage-volumes': requests });
  }

  /** `POST {volume}/operations/fulfill-fcp-storage-volume`: a boot volume must be fulfilled this way. */
  async fulfillFcp(volumeUri: string, f: FcpFulfillment): Promise<void> {
    const hex16 = (v: string): string => v.toLowerCase().replace(/^0x/, '').padStart(16, '0');
    await this.session.post(
      `${volumeUri}/operations/fulfill-fcp-storage-volume`,
      {
        'world-wide-port-name': hex16(f.wwpn),
        'logical-unit-number': hex16(f.lun),
        'adapter-port-uri': f.adapterPortUri,
      },
      { idempotent: true },
    );
  }
}
