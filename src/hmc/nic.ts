import { expectOne, type Properties } from './resource.js';
import type { HmcSession } from './session.js';
import { withProperties } from './uri.js';

/** Writable NIC properties. Backing: `virtual-switch-uri` (OSA, HiperSockets) or `network-adapter-port-uri`. */
export interface NicSettings extends Properties {
  name?: string;
  description?: string;
  'virtual-switch-uri'?: string;
  'network-adapter-port-uri'?: string;
  /** 4 hex digits; auto-assigned when omitted. */
  'device-number'?: string;
  'vlan-id'?: number | null;
  'vlan-type'?: string | null;
  'mac-address'?: string;
}

export interface NicProperties extends NicSettings {
  readonly 'element-uri': string;
  readonly 'element-id'?: string;
  readonly parent?: string;
  readonly class?: string;
  readonly type?: string;
}

/** NICs of a partition (`/api/partitions/{id}/nics/{nic-id}`); there is no list call on the HMC. */
export class NicManager {
  constructor(private readonly session: HmcSession) {}

  /** `POST /api/partitions/{id}/nics` -> element-uri. NOT idempotent (never repeated blindly). 400.8 duplicate name/device number. */
  async create(partitionUri: string, settings: NicSettings): Promise<string> {
    const res = await this.session.post<{ 'element-uri': string }>(`${partitionUri}/nics`, settings);
    return res.body['element-uri'];
  }

  /** `GET` of one NIC: one request; 404.1 if gone. */
  get(nicUri: string, properties?: readonly string[]): Promise<NicProperties> {
    return this.session.get<NicProperties>(withProperties(nicUri, properties));
  }

  /** `POST` on the NIC URI (204). Idempotent. 409.1 while the partition is starting/stopping. */
  async update(nicUri: string, settings: NicSettings): Promise<void> {
    await this.session.post(nicUri, settings, { idempotent: true });
  }

  /** `DELETE` (204); an already deleted NIC counts as success. */
  async delete(nicUri: string): Promise<void> {
    await this.session.delete(nicUri, { idempotent: true, notFoundOk: true });
  }

  /** All NICs of a partition: 1 + N requests (the partition's `nic-uris`, then each NIC). */
  async list(partitionUri: string): Promise<NicProperties[]> {
    const p = await this.session.get<{ 'nic-uris'?: string[] }>(withProperties(partitionUri, ['nic-uris']));
    return Promise.all((p['nic-uris'] ?? []).map((uri) => this.get(uri)));
  }

  /** The NIC with this name in the partition. NotFoundError / NoUniqueMatchError. */
  async findByName(partitionUri: string, name: string): Promise<NicProperties> {
    const nics = (await this.list(partitionUri)).filter((n) => n.name === name);
    return expectOne('nic', { partition: partitionUri, name }, nics, (n) => n['element-uri']);
  }
}
