// Storage group templates (/api/storage-templates) and their storage template volumes: list,
// create, get, modify (template volumes inside), delete.
import { randomUUID } from 'node:crypto';
import { badRequest, notFound } from '../errors.js';
import { inventory, updateProps } from '../events.js';
import { checkQuery, filterMatcher, selectProperties } from '../query.js';
import { CONSOLE_URI, getElement, requireStorageManagement, VOLUME_SCHEMA } from '../storage-model.js';
import { bodyObject, checkFields, requireFields, type Schema } from '../validation.js';
import { created, noContent, ok, type RouteDef, type SimContext } from '../context.js';
import { pick } from './cpcs.js';
import type { Resource } from '../store.js';

const FILTERS = ['cpc-uri', 'name', 'type'];
const LIST_PROPS = ['object-uri', 'cpc-uri', 'name', 'type'];
const VOL_FILTERS = ['name', 'maximum-size', 'minimum-size', 'usage'];
const VOL_LIST_PROPS = ['element-uri', 'name', 'size', 'usage'];

const TEMPLATE_SCHEMA: Schema = {
  name: { type: 'string', minLen: 1, maxLen: 64 },
  description: { type: 'string', maxLen: 200 },
  'cpc-uri': { type: 'string', writable: 'create' },
  type: { type: 'string', enum: ['fcp', 'fc'], writable: 'create' },
  shared: { type: 'bool' },
  connectivity: { type: 'int', min: 1, max: 64 },
  'max-partitions': { type: 'int', min: 1, max: 64 },
  'storage-template-volumes': { type: 'array' },
};

function getTemplate(sim: SimContext, id: string): Resource {
  const uri = `/api/storage-templates/${id}`;
  const r = sim.store.get(uri);
  if (!r || r.cls !== 'storage-template') throw notFound(uri);
  return r;
}

function checkName(sim: SimContext, name: unknown, self?: Resource): void {
  if (typeof name !== 'string') return;
  const other = sim.store.findByName('', 'storage-template', name);
  if (other && other !== self) throw badRequest(8, `A storage group template named '${name}' already exists`);
}

/** Applies `storage-template-volumes: [{operation, ...}]`; returns the created element URIs. */
function applyRequests(sim: SimContext, t: Resource, requests: unknown): string[] {
  if (requests === undefined) return [];
  if (!Array.isArray(requests)) throw badRequest(7, "'storage-template-volumes' must be an array");
  const plan: { op: string; req: Record<string, unknown>; vol?: Resource }[] = [];
  for (const raw of requests as Record<string, unknown>[]) {
    const req = { ...raw };
    requireFields(req, ['operation']);
    const op = String(req['operation']);
    delete req['operation'];
    if (op === 'create') {
      requireFields(req, ['size']);
      checkFields(req, VOLUME_SCHEMA, 'create');
      plan.push({ op, req });
    } else if (op === 'modify' || op === 'delete') {
      requireFields(req, ['element-uri']);
      const uri = String(req['element-uri']);
      const vol = sim.store.get(uri);
      if (!vol || vol.parent !== t.uri) throw notFound(uri);
      delete req['element-uri'];
      if (op === 'modify') checkFields(req, VOLUME_SCHEMA, 'update');
      plan.push({ op, req, vol });
    } else {
      throw badRequest(7, `Invalid value for storage-template-volumes 'operation' field: ${op}`);
    }
  }
  const out: string[] = [];
  let uris = [...((t.props['storage-template-volume-uris'] as string[]) ?? [])];
  for (const { op, req, vol } of plan) {
    if (op === 'create') {
      const id = randomUUID();
      const uri = `${t.uri}/storage-template-volumes/${id}`;
      const v: Resource = {
        uri,
        cls: 'storage-template-volume',
        parent: t.uri,
        props: {
          name: `Volume ${id.slice(0, 8)}`,
          description: '',
          usage: 'data',
          ...req,
          'element-id': id,
          'element-uri': uri,
          parent: t.uri,
          class: 'storage-template-volume',
        },
      };
      sim.store.add(v);
      uris.push(uri);
      out.push(uri);
    } else if (op === 'modify' && vol) updateProps(sim, vol, req);
    else if (vol) {
      sim.store.remove(vol.uri);
      uris = uris.filter((u) => u !== vol.uri);
    }
  }
  updateProps(sim, t, { 'storage-template-volume-uris': uris });
  return out;
}

export const storageTemplateRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/api/storage-templates',
    query: [...FILTERS, 'additional-properties'],
    handle: (sim, req) => {
      const match = filterMatcher(req.query, FILTERS);
      const list = sim.store
        .roots('storage-template')
        .filter((t) => match(t.props))
        .map((t) => pick(t.props, LIST_PROPS, req.query));
      return ok({ 'storage-templates': list });
    },
  },
  {
    method: 'POST',
    template: '/api/storage-templates',
    handle: (sim, req) => {
      const body = bodyObject(req.body);
      requireFields(body, ['name', 'cpc-uri', 'type']);
      checkFields(body, TEMPLATE_SCHEMA, 'create');
      const cpcUri = String(body['cpc-uri']);
      const cpc = sim.store.get(cpcUri);
      if (!cpc || cpc.cls !== 'cpc') throw notFound(cpcUri);
      requireStorageManagement(cpc, 'Create Storage Template');
      checkName(sim, body['name']);
      const id = randomUUID();
      const uri = `/api/storage-templates/${id}`;
      const { ['storage-template-volumes']: requests, ...rest } = body;
      const shared = rest['shared'] !== false;
      const t: Resource = {
        uri,
        cls: 'storage-template',
        parent: '',
        props: {
          description: '',
          shared,
          connectivity: 2,
          'max-partitions': shared ? 2 : 1,
          ...rest,
          'object-id': id,
          'object-uri': uri,
          parent: CONSOLE_URI,
          class: 'storage-template',
          'storage-template-volume-uris': [],
        },
      };
      sim.store.add(t);
      let volumes: string[];
      try {
        volumes = applyRequests(sim, t, requests);
      } catch (e) {
        sim.store.remove(uri);
        throw e;
      }
      inventory(sim, t, 'add');
      return created({ 'object-uri': uri, 'element-uris': volumes });
    },
  },
  {
    method: 'GET',
    template: '/api/storage-templates/{id}',
    query: ['properties'],
    handle: (sim, req) => ok(selectProperties(getTemplate(sim, req.params[0] ?? '').props, req.query)),
  },
  {
    method: 'POST',
    template: '/api/storage-templates/{id}/operations/modify',
    handle: (sim, req) => {
      const t = getTemplate(sim, req.params[0] ?? '');
      const body = bodyObject(req.body);
      checkFields(body, TEMPLATE_SCHEMA, 'update');
      checkName(sim, body['name'], t);
      const { ['storage-template-volumes']: requests, ...changes } = body;
      const volumes = applyRequests(sim, t, requests);
      updateProps(sim, t, changes);
      return volumes.length > 0 ? ok({ 'element-uris': volumes }) : noContent();
    },
  },
  {
    method: 'DELETE',
    template: '/api/storage-templates/{id}',
    handle: (sim, req) => {
      const t = getTemplate(sim, req.params[0] ?? '');
      sim.store.remove(t.uri);
      inventory(sim, t, 'remove');
      return noContent();
    },
  },
  {
    method: 'GET',
    template: '/api/storage-templates/{id}/storage-template-volumes',
    query: [...VOL_FILTERS, 'additional-properties'],
    handle: (sim, req) => {
      const t = getTemplate(sim, req.params[0] ?? '');
      const match = filterMatcher(req.query, VOL_FILTERS);
      const list = sim.store
        .list(t.uri, 'storage-template-volume')
        .filter((v) => match(v.props))
        .map((v) => pick(v.props, VOL_LIST_PROPS, req.query));
      return ok({ 'storage-template-volumes': list });
    },
  },
  {
    method: 'GET',
    template: '/api/storage-templates/{id}/storage-template-volumes/{volume-id}',
    handle: (sim, req) => {
      checkQuery(req.query, ['properties']);
      const t = getTemplate(sim, req.params[0] ?? '');
      const v = getElement(
        sim,
        t,
        'storage-template-volumes',
        req.params[1] ?? '',
        'storage-template-volume',
      );
      return ok(selectProperties(v.props, req.query));
    },
  },
];
