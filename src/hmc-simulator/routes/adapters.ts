// Adapters (list with filters, get) and their storage/network ports.
import { notFound } from '../errors.js';
import { checkQuery, filterMatcher, selectProperties } from '../query.js';
import { ok, type RouteDef } from '../context.js';
import { getCpc, pick } from './cpcs.js';
import type { ResourceClass } from '../store.js';

const FILTERS = ['name', 'adapter-id', 'adapter-family', 'type', 'status', 'firmware-update-pending'];
const LIST_PROPS = ['object-uri', 'name', 'adapter-id', 'adapter-family', 'type', 'status'];

function portRoute(kind: 'storage-ports' | 'network-ports', cls: ResourceClass): RouteDef {
  return {
    method: 'GET',
    template: `/api/adapters/{id}/${kind}/{port-id}`,
    handle: (sim, req) => {
      checkQuery(req.query, ['properties']);
      const uri = `/api/adapters/${req.params[0] ?? ''}/${kind}/${req.params[1] ?? ''}`;
      const port = sim.store.get(uri);
      if (!port || port.cls !== cls) throw notFound(uri);
      return ok(selectProperties(port.props, req.query));
    },
  };
}

export const adapterRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/api/cpcs/{id}/adapters',
    handle: (sim, req) => {
      checkQuery(req.query, [...FILTERS, 'additional-properties']);
      const cpc = getCpc(sim, req.params[0] ?? '');
      const match = filterMatcher(req.query, FILTERS);
      const adapters = sim.store
        .list(cpc.uri, 'adapter')
        .filter((a) => match(a.props))
        .map((a) => pick(a.props, LIST_PROPS, req.query));
      return ok({ adapters });
    },
  },
  {
    method: 'GET',
    template: '/api/adapters/{id}',
    handle: (sim, req) => {
      checkQuery(req.query, ['properties']);
      const uri = `/api/adapters/${req.params[0] ?? ''}`;
      const a = sim.store.get(uri);
      if (!a || a.cls !== 'adapter') throw notFound(uri);
      return ok(selectProperties(a.props, req.query));
    },
  },
  portRoute('storage-ports', 'storage-port'),
  portRoute('network-ports', 'network-port'),
];
