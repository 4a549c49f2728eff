// Storage groups (/api/storage-groups): list, create, get, modify (volumes inside), delete,
// candidate adapter ports, request fulfillment, get-partitions.
import { randomUUID } from 'node:crypto';
import { badRequest, conflict, notFound } from '../errors.js';
import { inventory, updateProps } from '../events.js';
import { filterMatcher, selectProperties } from '../query.js';
import {
  applyVolumeRequests,
  attachedPartitions,
  CONSOLE_URI,
  getStorageGroup,
  refreshGroupState,
  requireStorageManagement,
  scheduleFulfillment,
} from '../storage-model.js';
import { bodyObject, checkFields, requireFields, type Schema } from '../validation.js';
import { created, noContent, ok, type RouteDef, type SimContext } from '../context.js';
import { pick } from './cpcs.js';
import type { Resource } from '../store.js';

const FILTERS = ['cpc-uri', 'name', 'type', 'fulfillment-state'];
const LIST_PROPS = ['object-uri', 'cpc-uri', 'name', 'fulfillment-state', 'type'];
const EMAIL = ['email-to-addresses', 'email-cc-addresses', 'email-insert'];

export const GROUP_SCHEMA: Schema = {
  name: { type: 'string', minLen: 1, maxLen: 64 },
  description: { type: 'string', maxLen: 200 },
  'cpc-uri': { type: 'string', writable: 'create' },
  type: { type: 'string', enum: ['fcp', 'fc'], writable: 'create' },
  shared: { type: 'bool' },
  connectivity: { type: 'int', min: 1, max: 64 },
  'max-partitions': { type: 'int', min: 1, max: 64 },
  'direct-connection-count': { type: 'int', min: 0, max: 64 },
  'template-uri': { type: 'string', writable: 'create' },
  // On create only; afterwards through add-/remove-candidate-adapter-ports.
  'candidate-adapter-port-uris': { type: 'array', writable: 'create' },
  'storage-volumes': { type: 'array' },
  'email-to-addresses': { type: 'array', nullable: true },
  'email-cc-addresses': { type: 'array', nullable: true },
  'email-insert': { type: 'string', nullable: true, maxLen: 1024 },
};

function checkName(sim: SimContext, name: unknown, self?: Resource): void {
  if (typeof name !== 'string') return;
  const other = sim.store.findByName('', 'storage-group', name);
  if (other && other !== self) throw badRequest(8, `A storage group named '${name}' already exists`);
}

/** 400.7 unless every URI is a storage port of an adapter of the group's CPC. */
function storagePorts(sim: SimContext, sg: Resource, uris: unknown): string[] {
  if (!Array.isArray(uris) || uris.some((u) => typeof u !== 'string')) {
    throw badRequest(7, "The field 'adapter-port-uris' must be an array of URIs");
  }
  for (const u of uris as string[]) {
    const port = sim.store.get(u);
    if (!port || port.cls !== 'storage-port') throw notFound(u);
    if (sim.store.get(port.parent)?.parent !== sg.props['cpc-uri']) {
      throw badRequest(7, `The adapter port ${u} is not on the CPC of the storage group`);
    }
  }
  return uris as string[];
}

/** Defaults and volume create requests from a storage group template (`template-uri`). */
function fromTemplate(
  sim: SimContext,
  uri: unknown,
): { defaults: Record<string, unknown>; volumes: unknown[] } {
  if (uri === undefined) return { defaults: {}, volumes: [] };
  const t = sim.store.get(String(uri));
  if (!t || t.cls !== 'storage-template') throw notFound(String(uri));
  const defaults: Record<string, unknown> = {};
  for (const k of ['description', 'shared', 'connectivity', 'max-partitions']) {
    if (k in t.props) defaults[k] = t.props[k];
  }
  const volumes = sim.store.list(t.uri, 'storage-template-volume').map((v) => {
    const req: Record<string, unknown> = { operation: 'create' };
    for (const k of ['name', 'description', 'size', 'usage']) if (k in v.props) req[k] = v.props[k];
    return req;
  });
  return { defaults, volumes };
}

function create(sim: SimContext, body: Record<string, unknown>): { sg: Resource; volumes: string[] } {
  requireFields(body, ['name', 'cpc-uri', 'type']);
  checkFields(body, GROUP_SCHEMA, 'create');
  const cpcUri = String(body['cpc-uri']);
  const cpc = sim.store.get(cpcUri);
  if (!cpc || cpc.cls !== 'cpc') throw notFound(cpcUri);
  requireStorageManagement(cpc, 'Create Storage Group');
  checkName(sim, body['name']);
  const { defaults, volumes: templateVolumes } = fromTemplate(sim, body['template-uri']);
  const id = randomUUID();
  const uri = `/api/storage-groups/${id}`;
  const shared = (body['shared'] ?? defaults['shared']) !== false;
  const props: Record<string, unknown> = {
    description: '',
    connectivity: 2,
    'max-partitions': shared ? 2 : 1,
    ...defaults,
    shared,
    'direct-connection-count': 0,
    'active-connectivity': 0,
    'active-max-partitions': 0,
    'candidate-adapter-port-uris': [],
    'unassigned-world-wide-port-names': [],
    'email-to-addresses': null,
    'email-cc-addresses': null,
    'email-insert': null,
    ...body,
    'object-id': id,
    'object-uri': uri,
    parent: CONSOLE_URI,
    class: 'storage-group',
    'fulfillment-state': 'pending',
    'storage-volume-uris': [],
    'virtual-storage-resource-uris': [],
  };
  delete props['storage-volumes'];
  delete props['template-uri'];
  if (shared === false && Number(props['max-partitions']) > 1) {
    throw badRequest(7, "A storage group that is not shared must have 'max-partitions' 1");
  }
  const sg: Resource = { uri, cls: 'storage-group', parent: '', props };
  // Validate the volume requests against the new group before it becomes visible.
  sim.store.add(sg);
  try {
    props['candidate-adapter-port-uris'] = [
      ...new Set(storagePorts(sim, sg, props['candidate-adapter-port-uris'])),
    ];
    const requests = [...templateVolumes, ...((body['storage-volumes'] as unknown[] | undefined) ?? [])];
    const volumes = applyVolumeRequests(sim, sg, requests);
    return { sg, volumes };
  } catch (e) {
    sim.store.remove(uri);
    throw e;
  }
}

export const storageGroupRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/api/storage-groups',
    query: [...FILTERS, 'additional-properties'],
    handle: (sim, req) => {
      const match = filterMatcher(req.query, FILTERS);
      const groups = sim.store
        .roots('storage-group')
        .filter((g) => match(g.props))
        .map((g) => pick(g.props, LIST_PROPS, req.query));
      return ok({ 'storage-groups': groups });
    },
  },
  {
    // Create Storage Group: -> 201 {object-uri, element-uris (created volumes)}.
    method: 'POST',
    template: '/api/storage-groups',
    handle: (sim, req) => {
      const { sg, volumes } = create(sim, bodyObject(req.body));
      inventory(sim, sg, 'add');
      return created({ 'object-uri': sg.uri, 'element-uris': volumes });
    },
  },
  {
    method: 'GET',
    template: '/api/storage-groups/{id}',
    query: ['properties', 'cached-acceptable'],
    handle: (sim, req) => ok(selectProperties(getStorageGroup(sim, req.params[0] ?? '').props, req.query)),
  },
  {
    // Modify Storage Group Properties: also creates, modifies and deletes its volumes.
    method: 'POST',
    template: '/api/storage-groups/{id}/operations/modify',
    handle: (sim, req) => {
      const sg = getStorageGroup(sim, req.params[0] ?? '');
      const body = bodyObject(req.body);
      checkFields(body, GROUP_SCHEMA, 'update');
      checkName(sim, body['name'], sg);
      const { ['storage-volumes']: volumeRequests, ...changes } = body;
      for (const k of EMAIL) delete changes[k];
      const shared = changes['shared'] ?? sg.props['shared'];
      const maxParts = changes['max-partitions'] ?? sg.props['max-partitions'];
      if (shared === false && Number(maxParts) > 1) {
        throw badRequest(7, "A storage group that is not shared must have 'max-partitions' 1");
      }
      if (shared === false && attachedPartitions(sim, sg).length > 1) {
        throw conflict(1, 'The storage group is attached to more than one partition and must stay shared');
      }
      const volumes = applyVolumeRequests(sim, sg, volumeRequests);
      updateProps(sim, sg, changes);
      return volumes.length > 0 ? ok({ 'element-uris': volumes }) : noContent();
    },
  },
  {
    // Delete Storage Group: only when attached to no partition (409.1, simulator's reason).
    method: 'POST',
    template: '/api/storage-groups/{id}/operations/delete',
    handle: (sim, req) => {
      const sg = getStorageGroup(sim, req.params[0] ?? '');
      if (req.body !== undefined) checkFields(bodyObject(req.body), GROUP_SCHEMA, 'update');
      const parts = attachedPartitions(sim, sg);
      if (parts.length > 0) {
        throw conflict(
          1,
          `The storage group is attached to partition(s) ${parts.map((p) => String(p.props['name'])).join(', ')}`,
        );
      }
      for (const r of sim.store.remove(sg.uri)) inventory(sim, r, 'remove');
      return noContent();
    },
  },
  {
    method: 'POST',
    template: '/api/storage-groups/{id}/operations/add-candidate-adapter-ports',
    handle: (sim, req) => {
      const sg = getStorageGroup(sim, req.params[0] ?? '');
      const body = bodyObject(req.body);
      requireFields(body, ['adapter-port-uris']);
      const current = (sg.props['candidate-adapter-port-uris'] as string[]) ?? [];
      const add = storagePorts(sim, sg, body['adapter-port-uris']);
      for (const u of add) {
        if (current.includes(u)) {
          throw conflict(
            483,
            `Adapter port is already in candidate list of storage group ${String(sg.props['name'])}: ${u}`,
          );
        }
      }
      updateProps(sim, sg, { 'candidate-adapter-port-uris': [...current, ...add] });
      return noContent();
    },
  },
  {
    method: 'POST',
    template: '/api/storage-groups/{id}/operations/remove-candidate-adapter-ports',
    handle: (sim, req) => {
      const sg = getStorageGroup(sim, req.params[0] ?? '');
      const body = bodyObject(req.body);
      requireFields(body, ['adapter-port-uris']);
      const current = (sg.props['candidate-adapter-port-uris'] as string[]) ?? [];
      const remove = storagePorts(sim, sg, body['adapter-port-uris']);
      for (const u of remove) {
        if (!current.includes(u)) {
          throw conflict(
            479,
            `Adapter port is not in candidate list of storage group ${String(sg.props['name'])}: ${u}`,
          );
        }
      }
      updateProps(sim, sg, { 'candidate-adapter-port-uris': current.filter((u) => !remove.includes(u)) });
      return noContent();
    },
  },
  {
    // Request Storage Group Fulfillment: the HMC e-mails the storage administrator; here the
    // automatic fulfillment timer (if configured) restarts for the pending volumes.
    method: 'POST',
    template: '/api/storage-groups/{id}/operations/request-fulfillment',
    handle: (sim, req) => {
      const sg = getStorageGroup(sim, req.params[0] ?? '');
      if (req.body !== undefined) checkFields(bodyObject(req.body), GROUP_SCHEMA, 'update');
      for (const v of sim.store.list(sg.uri, 'storage-volume')) {
        if (v.props['fulfillment-state'] !== 'complete') scheduleFulfillment(sim, v);
      }
      refreshGroupState(sim, sg);
      return noContent();
    },
  },
  {
    method: 'GET',
    template: '/api/storage-groups/{id}/operations/get-partitions',
    query: ['name', 'status'],
    handle: (sim, req) => {
      const sg = getStorageGroup(sim, req.params[0] ?? '');
      const match = filterMatcher(req.query, ['name', 'status']);
      const partitions = attachedPartitions(sim, sg)
        .filter((p) => match(p.props))
        .map((p) => ({
          'object-uri': p.uri,
          'object-id': p.props['object-id'],
          name: p.props['name'],
          status: p.props['status'],
        }));
      return ok({ partitions });
    },
  },
];
