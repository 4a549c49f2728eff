// Partition links (/api/partition-links): list, create, get, modify (attach/detach partitions),
// delete. Create, modify and delete are asynchronous jobs on the HMC; create reports the new
// link's URI in the Location header, modify reports per-partition operation results.
import { randomUUID } from 'node:crypto';
import { badRequest, conflict, forbidden } from '../errors.js';
import { inventory } from '../events.js';
import {
  addBusConnection,
  addCtcPartitions,
  ctcPaths,
  getPartitionLink,
  linkPartitions,
  removeConnection,
  type NicSpec,
} from '../partition-link-model.js';
import { filterMatcher, selectProperties } from '../query.js';
import { CONSOLE_URI } from '../storage-model.js';
import { bodyObject, checkFields, requireFields, type Schema } from '../validation.js';
import { ok, type RouteDef, type SimContext, type SimReply, type SimRequest } from '../context.js';
import { pick } from './cpcs.js';
import { createHipersockets, removeHipersockets } from './adapter-ops.js';
import type { Resource } from '../store.js';
import type { Props } from '../types.js';

const FILTERS = ['cpc-uri', 'name', 'state', 'type'];
const LIST_PROPS = ['object-uri', 'cpc-uri', 'name', 'state', 'type'];
/** Kept in the store for CTC links, but not a property of the HMC's data model. */
const INTERNAL = ['partitions'];

const LINK_SCHEMA: Schema = {
  name: { type: 'string', minLen: 1, maxLen: 64 },
  description: { type: 'string', maxLen: 1024 },
  type: { type: 'string', enum: ['hipersockets', 'smc-d', 'ctc'], writable: 'create' },
  'cpc-uri': { type: 'string', writable: 'create' },
  partitions: { type: 'array', writable: 'create' },
  paths: { type: 'array', writable: 'create' },
  'bus-connections': { type: 'array', writable: 'create' },
  'starting-device-number': { type: 'string', pattern: /^[0-9A-Fa-f]{4}$/ },
  'maximum-transmission-unit-size': { type: 'int', min: 8, max: 56 },
  'added-connections': { type: 'array' },
  'removed-partition-uris': { type: 'array' },
  'added-partition-uris': { type: 'array' },
  'force-detach': { type: 'bool' },
};

const view = (pl: Resource): Props => {
  const out = { ...pl.props };
  for (const k of INTERNAL) delete out[k];
  return out;
};

/** Runs `work` as an asynchronous job (202 {job-uri}); its results become the job results. */
function asJob(
  sim: SimContext,
  req: SimRequest,
  status: number,
  work: () => Props,
  headers?: Record<string, string>,
): SimReply {
  if (!req.session) throw forbidden(4, 'No session');
  const job = sim.jobs.create(req.session);
  sim.jobs.later(0, () => {
    try {
      sim.jobs.complete(job, status, undefined, undefined, work());
    } catch (e) {
      const err = e as { httpStatus?: number; reason?: number; message?: string };
      sim.jobs.complete(job, err.httpStatus ?? 500, err.reason ?? 0, err.message ?? String(e));
    }
  });
  return { status: 202, body: { 'job-uri': job.uri }, ...(headers ? { headers } : {}) };
}

function checkName(sim: SimContext, name: unknown, self?: Resource): void {
  if (typeof name !== 'string') return;
  const other = sim.store.findByName('', 'partition-link', name);
  if (other && other !== self) throw badRequest(8, `A partition link named '${name}' already exists`);
}

export const partitionLinkRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/api/partition-links',
    query: [...FILTERS, 'additional-properties'],
    handle: (sim, req) => {
      const match = filterMatcher(req.query, FILTERS);
      const links = sim.store
        .roots('partition-link')
        .filter((l) => match(l.props))
        .map((l) => pick(view(l), LIST_PROPS, req.query));
      return ok({ 'partition-links': links });
    },
  },
  {
    method: 'POST',
    template: '/api/partition-links',
    handle: (sim, req) => {
      const body = bodyObject(req.body);
      requireFields(body, ['name', 'type', 'cpc-uri']);
      checkFields(body, LINK_SCHEMA, 'create');
      const cpc = sim.store.get(String(body['cpc-uri']));
      if (!cpc || cpc.cls !== 'cpc') throw badRequest(7, `'cpc-uri' ${String(body['cpc-uri'])} is not a CPC`);
      checkName(sim, body['name']);
      const type = String(body['type']);
      const paths = type === 'ctc' ? ctcPaths(sim, body['paths']) : undefined;
      const id = randomUUID();
      const uri = `/api/partition-links/${id}`;
      const pl: Resource = {
        uri,
        cls: 'partition-link',
        parent: '',
        props: {
          'object-id': id,
          'object-uri': uri,
          parent: CONSOLE_URI,
          class: 'partition-link',
          name: body['name'],
          description: body['description'] ?? '',
          type,
          'cpc-uri': cpc.uri,
          state: 'complete',
          ...(type === 'ctc' ? { paths, partitions: [] } : { 'bus-connections': [] }),
        },
      };
      // Validate the initial partitions before the link exists.
      const initial = Array.isArray(body['partitions']) ? (body['partitions'] as unknown[]) : [];
      sim.store.add(pl);
      try {
        if (type === 'ctc') addCtcPartitions(sim, pl, initial);
        else for (const p of initial) addBusConnection(sim, pl, p, 1, []);
      } catch (e) {
        sim.store.remove(uri);
        throw e;
      }
      // A HiperSockets link is backed by a HiperSockets adapter (IQD CHPID) of the same name.
      if (type === 'hipersockets') {
        const name = String(body['name']);
        const clash = sim.store.findByName(cpc.uri, 'adapter', name);
        const adapter = clash ?? createHipersockets(sim, cpc, { name, description: pl.props['description'] });
        pl.props['adapter-uri'] = adapter.uri;
      }
      inventory(sim, pl, 'add');
      return asJob(sim, req, 201, () => ({}), { Location: uri });
    },
  },
  {
    method: 'GET',
    template: '/api/partition-links/{id}',
    query: ['properties'],
    handle: (sim, req) => ok(selectProperties(view(getPartitionLink(sim, req.params[0] ?? '')), req.query)),
  },
  {
    method: 'POST',
    template: '/api/partition-links/{id}/operations/modify',
    handle: (sim, req) => {
      const pl = getPartitionLink(sim, req.params[0] ?? '');
      const body = bodyObject(req.body);
      checkFields(body, LINK_SCHEMA, 'update');
      checkName(sim, body['name'], pl);
      return asJob(sim, req, 200, () => {
        const results: Props[] = [];
        for (const u of (body['removed-partition-uris'] as string[] | undefined) ?? []) {
          const done = removeConnection(sim, pl, u);
          results.push({ 'partition-uri': u, 'operation-status': done ? 'detached' : 'not-attached' });
        }
        for (const c of (body['added-connections'] as Props[] | undefined) ?? []) {
          addBusConnection(
            sim,
            pl,
            c['partition-uri'],
            Number(c['number-of-nics'] ?? 1),
            (c['nics'] as NicSpec[]) ?? [],
          );
          results.push({ 'partition-uri': c['partition-uri'], 'operation-status': 'attached' });
        }
        const added = (body['added-partition-uris'] as unknown[] | undefined) ?? [];
        if (added.length > 0) {
          if (pl.props['type'] !== 'ctc') throw badRequest(7, "'added-partition-uris' is only for CTC links");
          addCtcPartitions(sim, pl, added);
          for (const u of added) results.push({ 'partition-uri': u, 'operation-status': 'attached' });
        }
        for (const k of ['name', 'description', 'maximum-transmission-unit-size', 'starting-device-number']) {
          if (k in body) pl.props[k] = body[k];
        }
        return { 'operation-results': results };
      });
    },
  },
  {
    method: 'POST',
    template: '/api/partition-links/{id}/operations/delete',
    handle: (sim, req) => {
      const pl = getPartitionLink(sim, req.params[0] ?? '');
      const body = req.body === undefined ? {} : bodyObject(req.body);
      const active = linkPartitions(pl).filter((u) => {
        const s = sim.store.get(u)?.props['status'];
        return s !== undefined && s !== 'stopped';
      });
      if (active.length > 0 && body['force-detach'] !== true) {
        throw conflict(100, 'The partition link is attached to partitions that are not stopped');
      }
      return asJob(sim, req, 204, () => {
        for (const u of linkPartitions(pl)) removeConnection(sim, pl, u);
        const adapter = sim.store.get(String(pl.props['adapter-uri'] ?? ''));
        if (adapter) removeHipersockets(sim, adapter);
        sim.store.remove(pl.uri);
        inventory(sim, pl, 'remove');
        return {};
      });
    },
  },
];
