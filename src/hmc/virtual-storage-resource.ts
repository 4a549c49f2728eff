import type { Properties } from './resource.js';
import type { HmcSession } from './session.js';
import { type QueryFilter, withProperties, withQuery } from './uri.js';

/** Writable VSR properties. */
export interface VirtualStorageResourceSettings extends Properties {
  name?: string;
  description?: string;
  /** 4 hex digits: the FCP subchannel the guest sees. */
  'device-number'?: string;
}

/**
 * A virtual storage resource (`/api/storage-groups/{id}/virtual-storage-resources/{rid}`): created by the HMC
 * when a group is attached, one per partition and adapter path; it replaces the HBA of CPCs without
 * dpm-storage-management. Its virtual WWPN is what the SAN administrator zones.
 */
export interface VirtualStorageResourceProperties extends VirtualStorageResourceSettings {
  readonly 'element-uri': string;
  readonly 'element-id'?: string;
  readonly parent?: string;
  readonly 'partition-uri'?: string;
  readonly 'adapter-port-uri'?: string;
  /** Virtual WWPN, 16 hex digits. */
  readonly 'world-wide-port-name'?: string;
}

export interface VirtualStorageResourceFilter {
  readonly 'partition-uri'?: string;
  readonly 'adapter-port-uri'?: string;
  readonly 'device-number'?: string;
  readonly name?: string;
}

export class VirtualStorageResourceManager {
  constructor(private readonly session: HmcSession) {}

  /**
   * `GET {group}/virtual-storage-resources` with server-side filters: one request. The HMC answers
   * element-uri, name, device-number, adapter-port-uri and partition-uri; `additionalProperties` (e.g.
   * world-wide-port-name) asks for more in the same request.
   */
  async list(
    groupUri: string,
    filter: VirtualStorageResourceFilter = {},
    additionalProperties: readonly string[] = [],
  ): Promise<VirtualStorageResourceProperties[]> {
    const res = await this.session.get<{
      'virtual-storage-resources': VirtualStorageResourceProperties[];
    }>(
      withQuery(`${groupUri}/virtual-storage-resources`, {
        ...(filter as QueryFilter),
        'additional-properties': additionalProperties.length ? additionalProperties.join(',') : undefined,
      }),
    );
    return res['virtual-storage-resources'];
  }

  get(vsrUri: string, properties?: readonly string[]): Promise<VirtualStorageResourceProperties> {
    return this.session.get<VirtualStorageResourceProperties>(withProperties(vsrUri, properties));
  }

  /** `POST` on the VSR URI (204), e.g. a chosen device number. Idempotent. */
  async update(vsrUri: string, settings: VirtualStorageResourceSettings): Promise<void> {
    await this.session.post(vsrUri, settings, { idempotent: true });
  }
}
