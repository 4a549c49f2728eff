// The HMC console object (/api/console): get, List Permitted Partitions, List Permitted Adapters.
import { notFound } from '../errors.js';
import { filterMatcher, selectProperties } from '../query.js';
import { ok, type RouteDef, type SimContext } from '../context.js';
import { pick } from './cpcs.js';
import type { Resource } from '../store.js';

const PART_FILTERS = ['name', 'type', 'status', 'has-unacceptable-status'];
const PART_PROPS = ['name', 'object-uri', 'type', 'status', 'has-unacceptable-status'];
const ADAPTER_FILTERS = ['name', 'adapter-id', 'adapter-family', 'type', 'status', 'firmware-update-pending'];
const ADAPTER_PROPS = ['object-uri', 'name', 'adapter-id', 'adapter-family', 'type', 'status'];

/** The CPCs whose name matches `cpc-name` (regex, whole value), DPM ones only for `dpm-enabled`. */
function cpcs(sim: SimContext, query: URLSearchParams): Resource[] {
  const match = filterMatcher(query, ['cpc-name']);
  const dpm = filterMatcher(query, ['dpm-enabled']);
  return sim.store
    .roots('cpc')
    .filter((c) => match({ 'cpc-name': c.props['name'] }) && dpm({ 'dpm-enabled': c.props['dpm-enabled'] }));
}

const cpcInfo = (c: Resource) => ({
  'cpc-name': c.props['name'],
  'cpc-object-uri': c.uri,
  'se-version': c.props['se-version'],
});

export const consoleRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/api/console',
    query: ['properties'],
    handle: (sim, req) => {
      const c = sim.store.get('/api/console');
      if (!c) throw notFound('/api/console');
      return ok(selectProperties(c.props, req.query));
    },
  },
  {
    method: 'GET',
    template: '/api/console/operations/list-permitted-partitions',
    query: [...PART_FILTERS, 'cpc-name', 'additional-properties'],
    handle: (sim, req) => {
      const match = filterMatcher(req.query, PART_FILTERS);
      const partitions = cpcs(sim, req.query).flatMap((c) =>
        sim.store
          .list(c.uri, 'partition')
          .filter((p) => match(p.props))
          .map((p) => ({ ...pick(p.props, PART_PROPS, req.query), ...cpcInfo(c) })),
      );
      return ok({ partitions });
    },
  },
  {
    method: 'GET',
    template: '/api/console/operations/list-permitted-adapters',
    query: [...ADAPTER_FILTERS, 'cpc-name', 'dpm-enabled', 'additional-properties'],
    handle: (sim, req) => {
      const match = filterMatcher(req.query, ADAPTER_FILTERS);
      const adapters = cpcs(sim, req.query).flatMap((c) =>
        sim.store
          .list(c.uri, 'adapter')
          .filter((a) => match({ 'firmware-update-pending': false, ...a.props }))
          .map((a) => ({
            'firmware-update-pending': false,
            ...pick(a.props, ADAPTER_PROPS, req.query),
            ...cpcInfo(c),
            'dpm-enabled': c.props['dpm-enabled'],
          })),
      );
      return ok({ adapters });
    },
  },
];
