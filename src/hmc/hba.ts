import { expectOne, type Properties } from './resource.js';
import type { HmcSession } from './session.js';
import { withProperties } from './uri.js';

/** Writable HBA properties (only when the CPC feature `dpm-storage-management` is disabled). */
export interface HbaSettings extends Properties {
  name?: string;
  description?: string;
  /** `/api/adapters/{id}/storage-ports/{n}` (create only; later via reassignPort). */
  'adapter-port-uri'?: string;
  'device-number'?: string;
}

export interface HbaProperties extends HbaSettings {
  readonly 'element-uri': string;
  readonly 'element-id'?: string;
  readonly parent?: string;
  readonly class?: string;
  /** Assigned by the HMC: 16 hex digits. */
  readonly wwpn?: string;
}

/** HBAs of a partition (`/api/partitions/{id}/hbas/{hba-id}`), listed through the partition's `hba-uris`. */
export class HbaManager {
  constructor(private readonly session: HmcSession) {}

  /** `POST /api/partitions/{id}/hbas` -> element-uri. NOT idempotent. 400.8 duplicate name/device number. */
  async create(partitionUri: string, settings: HbaSettings): Promise<string> {
    const res = await this.session.post<{ 'element-uri': string }>(`${partitionUri}/hbas`, settings);
    return res.body['element-uri'];
  }

  get(hbaUri: string, properties?: readonly string[]): Promise<HbaProperties> {
    return this.session.get<HbaProperties>(withProperties(hbaUri, properties));
  }

  /** `POST` on the HBA URI (204). Idempotent. */
  async update(hbaUri: string, settings: HbaSettings): Promise<void> {
    await this.session.post(hbaUri, settings, { idempotent: true });
  }

  /** `DELETE` (204); an already deleted HBA counts as success. */
  async delete(hbaUri: string): Promise<void> {
    await this.session.delete(hbaUri, { idempotent: true, notFoundOk: true });
  }

  /** `POST .../operations/reassign-storage-adapter-port` (204). Idempotent. */
  async reassignPort(hbaUri: string, adapterPortUri: string): Promise<void> {
    await this.session.post(
      `${hbaUri}/operations/reassign-storage-adapter-port`,
      { 'adapter-port-uri': adapterPortUri },
      { idempotent: true },
    );
  }

  /** All HBAs of a partition: 1 + N requests. */
  async list(partitionUri: string): Promise<HbaProperties[]> {
    const p = await this.session.get<{ 'hba-uris'?: string[] }>(withProperties(partitionUri, ['hba-uris']));
    return Promise.all((p['hba-uris'] ?? []).map((uri) => this.get(uri)));
  }

  async findByName(partitionUri: string, name: string): Promise<HbaProperties> {
    const hbas = (await this.list(partitionUri)).filter((h) => h.name === name);
    return expectOne('hba', { partition: partitionUri, name }, hbas, (h) => h['element-uri']);
  }
}
