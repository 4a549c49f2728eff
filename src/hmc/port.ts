import { type Properties } from './resource.js';
import type { HmcSession } from './session.js';
import { withProperties } from './uri.js';

/** A storage port (`/api/adapters/{id}/storage-ports/{n}`) or network port (`.../network-ports/{n}`). */
export interface PortProperties extends Properties {
  readonly 'element-uri': string;
  readonly 'element-id'?: string;
  readonly name?: string;
  readonly index?: number;
  readonly parent?: string;
  readonly class?: string;
}

/** The URI of storage port `index` of an FCP adapter (what an HBA's `adapter-port-uri` takes). */
export function storagePortUri(adapterUri: string, index: number): string {
  return `${adapterUri}/storage-ports/${index}`;
}

/** The URI of network port `index` of a RoCE/CNA/network-express adapter. */
export function networkPortUri(adapterUri: string, index: number): string {
  return `${adapterUri}/network-ports/${index}`;
}

/** Adapter ports. */
export class PortManager {
  constructor(private readonly session: HmcSession) {}

  get(portUri: string, properties?: readonly string[]): Promise<PortProperties> {
    return this.session.get<PortProperties>(withProperties(portUri, properties));
  }

  /** All ports of an adapter: 1 + N requests (the adapter's port URIs, then each port). */
  async list(adapterUri: string): Promise<PortProperties[]> {
    const a = await this.session.get<{ 'storage-port-uris'?: string[]; 'network-port-uris'?: string[] }>(
      withProperties(adapterUri, ['storage-port-uris', 'network-port-uris']),
    );
    const uris = [...(a['storage-port-uris'] ?? []), ...(a['network-port-uris'] ?? [])];
    return Promise.all(uris.map((uri) => this.get(uri)));
  }
}
