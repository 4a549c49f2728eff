// Virtual switches: list with filters, get, get-connected-vnics.
import { notFound } from '../errors.js';
import { checkQuery, filterMatcher, selectProperties } from '../query.js';
import { ok, type RouteDef, type SimContext } from '../context.js';
import { getCpc, pick } from './cpcs.js';
import type { Resource } from '../store.js';

const FILTERS = ['name', 'type'];
const LIST_PROPS = ['object-uri', 'name', 'type'];

function getVswitch(sim: SimContext, id: string): Resource {
  const uri = `/api/virtual-switches/${id}`;
  const vs = sim.store.get(uri);
  if (!vs || vs.cls !== 'virtual-switch') throw notFound(uri);
  return vs;
}

export const virtualSwitchRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/api/cpcs/{id}/virtual-switches',
    handle: (sim, req) => {
      checkQuery(req.query, [...FILTERS, 'additional-properties']);
      const cpc = getCpc(sim, req.params[0] ?? '');
      const match = filterMatcher(req.query, FILTERS);
      const list = sim.store
        .list(cpc.uri, 'virtual-switch')
        .filter((v) => match(v.props))
        .map((v) => pick(v.props, LIST_PROPS, req.query));
      return ok({ 'virtual-switches': list });
    },
  },
  {
    method: 'GET',
    template: '/api/virtual-switches/{id}',
    handle: (sim, req) => {
      checkQuery(req.query, ['properties']);
      return ok(selectProperties(getVswitch(sim, req.params[0] ?? '').props, req.query));
    },
  },
  {
    method: 'GET',
    template: '/api/virtual-switches/{id}/operations/get-connected-vnics',
    handle: (sim, req) => {
      const vs = getVswitch(sim, req.params[0] ?? '');
      return ok({
        'connected-vnic-uris': [...((vs.props['connected-vnic-uris'] as string[] | undefined) ?? [])],
      });
    },
  },
];
