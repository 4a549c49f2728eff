import { isNotFound, NotFoundError } from './errors.js';
import { expectOne, type Properties } from './resource.js';
import type { HmcSession } from './session.js';
import { regexLiteral, withProperties, withQuery } from './uri.js';

/** An entry of `GET /api/cpcs`. */
export interface CpcSummary {
  readonly 'object-uri': string;
  readonly name: string;
  readonly status: string;
  readonly 'has-unacceptable-status'?: boolean;
  readonly 'dpm-enabled'?: boolean;
  readonly 'se-version'?: string;
}

/** `GET /api/cpcs/{id}` (subset of the properties the operator uses). */
export interface CpcProperties extends Properties {
  readonly 'object-uri': string;
  readonly 'object-id'?: string;
  readonly name?: string;
  readonly status?: string;
  readonly 'dpm-enabled'?: boolean;
  readonly 'iml-mode'?: string;
  readonly 'se-version'?: string;
  readonly 'machine-type'?: string;
  readonly 'processor-count-ifl'?: number;
  readonly 'processor-count-general-purpose'?: number;
  readonly 'storage-customer'?: number;
  readonly 'storage-customer-available'?: number;
  readonly 'maximum-partitions'?: number;
  readonly 'available-features-list'?: ReadonlyArray<{ name: string; description?: string; state: boolean }>;
}

/** CPC statuses in which partitions can be managed (hmc-ws-api.md section 3). */
export const USABLE_CPC_STATUSES: ReadonlySet<string> = new Set([
  'active',
  'service-required',
  'degraded',
  'exceptions',
]);

/** Whether a CPC feature (e.g. `dpm-storage-management`) is enabled. */
export function cpcFeatureEnabled(
  cpc: Pick<CpcProperties, 'available-features-list'>,
  feature: string,
): boolean {
  return cpc['available-features-list']?.some((f) => f.name === feature && f.state) ?? false;
}

/** CPCs (`/api/cpcs`). */
export class CpcManager {
  constructor(private readonly session: HmcSession) {}

  /** `GET /api/cpcs[?name=<regex>]`: one request. */
  async list(filter: { name?: string } = {}): Promise<CpcSummary[]> {
    const res = await this.session.get<{ cpcs: CpcSummary[] }>(withQuery('/api/cpcs', filter));
    return res.cpcs;
  }

  /** `GET /api/cpcs/{id}[?properties=...]`. Throws HmcHttpError 404.1 if it does not exist. */
  get(cpcUri: string, properties?: readonly string[]): Promise<CpcProperties> {
    return this.session.get<CpcProperties>(withProperties(cpcUri, properties));
  }

  /** The CPC with exactly this name (one request). NotFoundError / NoUniqueMatchError. */
  async findByName(name: string): Promise<CpcSummary> {
    const cpcs = (await this.list({ name: regexLiteral(name) })).filter((c) => c.name === name);
    return expectOne('cpc', { name }, cpcs, (c) => c['object-uri']);
  }

  /** The CPC with this object-id (one request); NotFoundError if the HMC answers 404. */
  async findByObjectId(objectId: string, properties?: readonly string[]): Promise<CpcProperties> {
    try {
      return await this.get(`/api/cpcs/${encodeURIComponent(objectId)}`, properties);
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError('cpc', { 'object-id': objectId });
      throw err;
    }
  }

  /** By name or by object-id, whichever is given. */
  async find(by: { name: string } | { objectId: string }): Promise<{ uri: string; name: string }> {
    if ('name' in by) {
      const c = await this.findByName(by.name);
      return { uri: c['object-uri'], name: c.name };
    }
    const c = await this.findByObjectId(by.objectId, ['object-uri', 'name']);
    return { uri: c['object-uri'], name: String(c.name) };
  }
}
