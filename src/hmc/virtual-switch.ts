import { expectOne, type Properties } from './resource.js';
import type { HmcSession } from './session.js';
import { withProperties, withQuery, type QueryFilter } from './uri.js';

/** An entry of `GET /api/cpcs/{id}/virtual-switches`. */
export interface VirtualSwitchSummary {
  readonly 'object-uri': string;
  readonly name: string;
  readonly type: string;
  readonly 'backing-adapter-uri'?: string;
  readonly port?: number;
}

export interface VirtualSwitchProperties extends Properties {
  readonly 'object-uri': string;
  readonly name?: string;
  readonly type?: string;
  readonly 'backing-adapter-uri'?: string;
  readonly port?: number;
  readonly 'connected-vnic-uris'?: readonly string[];
}

/** Virtual switches of a CPC (OSA `osd` and HiperSockets), the backing of OSA/HiperSockets NICs. */
export class VirtualSwitchManager {
  constructor(private readonly session: HmcSession) {}

  /** One request, server-side filters `name`, `type`. */
  async list(
    cpcUri: string,
    filter: { name?: string | readonly string[]; type?: string | readonly string[] } = {},
  ): Promise<VirtualSwitchSummary[]> {
    const res = await this.session.get<{ 'virtual-switches': VirtualSwitchSummary[] }>(
      withQuery(`${cpcUri}/virtual-switches`, filter as QueryFilter),
    );
    return res['virtual-switches'];
  }

  get(vswitchUri: string, properties?: readonly string[]): Promise<VirtualSwitchProperties> {
    return this.session.get<VirtualSwitchProperties>(withProperties(vswitchUri, properties));
  }

  /**
   * The virtual switch backed by this adapter port. On API >= 4 (HMC 2.16) one request
   * (`additional-properties`); before that 1 + N requests. NotFoundError / NoUniqueMatchError.
   */
  async findByBacking(cpcUri: string, adapterUri: string, port: number): Promise<VirtualSwitchSummary> {
    const withBacking = await this.listWithBacking(cpcUri);
    const hits = withBacking.filter((v) => v['backing-adapter-uri'] === adapterUri && v.port === port);
    return expectOne(
      'virtual-switch',
      { cpc: cpcUri, adapter: adapterUri, port },
      hits,
      (v) => v['object-uri'],
    );
  }

  /** `GET .../operations/get-connected-vnics`: the NIC URIs attached to the switch. */
  async getConnectedVnics(vswitchUri: string): Promise<string[]> {
    const res = await this.session.get<{ 'connected-vnic-uris': string[] }>(
      `${vswitchUri}/operations/get-connected-vnics`,
    );
    return res['connected-vnic-uris'];
  }

  private async listWithBacking(cpcUri: string): Promise<VirtualSwitchSummary[]> {
    const info = this.session.sessionInfo ?? (await this.session.logon());
    if (info.apiVersion.major >= 4) {
      const res = await this.session.get<{ 'virtual-switches': VirtualSwitchSummary[] }>(
        withQuery(`${cpcUri}/virtual-switches`, { 'additional-properties': 'backing-adapter-uri,port' }),
      );
      return res['virtual-switches'];
    }
    const list = await this.list(cpcUri);
    return Promise.all(
      list.map(async (v) => {
        const p = await this.get(v['object-uri'], ['backing-adapter-uri', 'port']);
        return { ...v, 'backing-adapter-uri': p['backing-adapter-uri'], port: p.port };
      }),
    );
  }
}
