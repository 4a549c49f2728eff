import { expectOne, type Properties } from './resource.js';
import type { HmcSession } from './session.js';
import { regexLiteral, withProperties, withQuery, type QueryFilter } from './uri.js';

/** An entry of `GET /api/cpcs/{id}/adapters`. */
export interface AdapterSummary {
  readonly 'object-uri': string;
  readonly name: string;
  readonly 'adapter-id'?: string;
  readonly 'adapter-family'?: string;
  readonly type?: string;
  readonly status?: string;
}

export interface AdapterProperties extends Properties {
  readonly 'object-uri': string;
  readonly 'object-id'?: string;
  readonly name?: string;
  readonly 'adapter-id'?: string;
  readonly 'adapter-family'?: string;
  readonly type?: string;
  readonly status?: string;
  readonly 'storage-port-uris'?: readonly string[];
  readonly 'network-port-uris'?: readonly string[];
}

export interface AdapterListFilter {
  readonly name?: string | readonly string[];
  readonly 'adapter-id'?: string | readonly string[];
  readonly 'adapter-family'?: string | readonly string[];
  readonly type?: string | readonly string[];
  readonly status?: string | readonly string[];
}

/** Adapters of a CPC (`/api/cpcs/{id}/adapters`, `/api/adapters/{id}`). */
export class AdapterManager {
  constructor(private readonly session: HmcSession) {}

  /** One request, server-side filters (regexes; arrays mean OR). */
  async list(cpcUri: string, filter: AdapterListFilter = {}): Promise<AdapterSummary[]> {
    const res = await this.session.get<{ adapters: AdapterSummary[] }>(
      withQuery(`${cpcUri}/adapters`, filter as QueryFilter),
    );
    return res.adapters;
  }

  get(adapterUri: string, properties?: readonly string[]): Promise<AdapterProperties> {
    return this.session.get<AdapterProperties>(withProperties(adapterUri, properties));
  }

  /** The adapter with exactly this name. NotFoundError / NoUniqueMatchError. */
  async findByName(cpcUri: string, name: string): Promise<AdapterSummary> {
    const list = (await this.list(cpcUri, { name: regexLiteral(name) })).filter((a) => a.name === name);
    return expectOne('adapter', { cpc: cpcUri, name }, list, (a) => a['object-uri']);
  }
}
