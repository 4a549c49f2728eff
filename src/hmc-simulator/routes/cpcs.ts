// CPCs: list with filters, get with ?properties=.
import { notFound } from '../errors.js';
import { checkQuery, filterMatcher, selectProperties } from '../query.js';
import { ok, type RouteDef, type SimContext } from '../context.js';
import type { Resource } from '../store.js';

/** The CPC resource for `/api/cpcs/{id}`, else 404.1. */
export function getCpc(sim: SimContext, id: string): Resource {
  const uri = `/api/cpcs/${id}`;
  const r = sim.store.get(uri);
  if (!r || r.cls !== 'cpc') throw notFound(uri);
  return r;
}

const CPC_FILTERS = ['name'];
const CPC_LIST_PROPS = [
  'object-uri',
  'name',
  'status',
  'has-unacceptable-status',
  'dpm-enabled',
  'se-version',
];

export const cpcRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/api/cpcs',
    handle: (sim, req) => {
      checkQuery(req.query, [...CPC_FILTERS, 'additional-properties']);
      const match = filterMatcher(req.query, CPC_FILTERS);
      const cpcs = sim.store
        .roots('cpc')
        .filter((c) => match(c.props))
        .map((c) => pick(c.props, CPC_LIST_PROPS, req.query));
      return ok({ cpcs });
    },
  },
  {
    // List Capacity Groups: none are defined on the simulated CPCs.
    method: 'GET',
    template: '/api/cpcs/{id}/capacity-groups',
    query: ['name'],
    handle: (sim, req) => {
      getCpc(sim, req.params[0] ?? '');
      return ok({ 'capacity-groups': [] });
    },
  },
  {
    method: 'GET',
    template: '/api/cpcs/{id}',
    handle: (sim, req) => {
      checkQuery(req.query, ['properties', 'cached-acceptable']);
      const cpc = getCpc(sim, req.params[0] ?? '');
      return ok(selectProperties(cpc.props, req.query));
    },
  },
];

/** The list-item properties plus any `additional-properties=a,b`. */
export function pick(props: Record<string, unknown>, names: readonly string[], query: URLSearchParams) {
  const extra = (query.get('additional-properties') ?? '').split(',').filter((s) => s !== '');
  const out: Record<string, unknown> = {};
  for (const n of [...names, ...extra]) if (n in props) out[n] = props[n];
  return out;
}
