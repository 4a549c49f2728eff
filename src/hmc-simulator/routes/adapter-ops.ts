// Adapter operations beyond list/get: Create/Delete HiperSockets Adapter, Update Adapter
// Properties, Update Port Properties, Get Partitions Assigned to Adapter.
import { randomUUID } from 'node:crypto';
import { badRequest, conflict, notFound } from '../errors.js';
import { inventory, updateProps } from '../events.js';
import { filterMatcher } from '../query.js';
import { bodyObject, checkFields, requireFields, type Schema } from '../validation.js';
import { created, noContent, ok, type RouteDef, type SimContext } from '../context.js';
import { getCpc } from './cpcs.js';
import type { Resource } from '../store.js';

const ADAPTER_SCHEMA: Schema = {
  name: { type: 'string', minLen: 1, maxLen: 64 },
  description: { type: 'string', maxLen: 1024 },
  'port-description': { type: 'string', maxLen: 1024 },
  'maximum-transmission-unit-size': { type: 'int', min: 8, max: 56 },
  'channel-path-id': { type: 'string', nullable: true, pattern: /^[0-9A-Fa-f]{2}$/ },
  'allowed-capacity': { type: 'int', min: 0 },
};
/** Ports cannot be renamed: `name` is read-only (400.6), as zhmcclient's e2e expects. */
const PORT_SCHEMA: Schema = {
  description: { type: 'string', maxLen: 1024 },
};

function getAdapter(sim: SimContext, id: string): Resource {
  const uri = `/api/adapters/${id}`;
  const a = sim.store.get(uri);
  if (!a || a.cls !== 'adapter') throw notFound(uri);
  return a;
}

function checkName(sim: SimContext, cpcUri: string, name: unknown, self?: Resource): void {
  if (typeof name !== 'string') return;
  const other = sim.store.findByName(cpcUri, 'adapter', name);
  if (other && other !== self) throw badRequest(8, `An adapter named '${name}' already exists on the CPC`);
}

/** Whether a partition uses the adapter (NIC, HBA, VSR or crypto configuration). */
function uses(sim: SimContext, p: Resource, a: Resource): boolean {
  const portOf = (u: unknown) => (typeof u === 'string' ? sim.store.get(u)?.parent : undefined);
  for (const nic of sim.store.list(p.uri, 'nic')) {
    const vs = sim.store.get(String(nic.props['virtual-switch-uri'] ?? ''));
    if (vs?.props['backing-adapter-uri'] === a.uri) return true;
    if (portOf(nic.props['network-adapter-port-uri']) === a.uri) return true;
  }
  for (const hba of sim.store.list(p.uri, 'hba'))
    if (portOf(hba.props['adapter-port-uri']) === a.uri) return true;
  for (const sg of sim.store.roots('storage-group')) {
    for (const v of sim.store.list(sg.uri, 'virtual-storage-resource')) {
      if (v.props['partition-uri'] === p.uri && portOf(v.props['adapter-port-uri']) === a.uri) return true;
    }
  }
  const crypto = p.props['crypto-configuration'] as { 'crypto-adapter-uris'?: string[] } | null;
  return crypto?.['crypto-adapter-uris']?.includes(a.uri) ?? false;
}

/**
 * Creates a HiperSockets adapter with its port 0 and virtual switch (Create HiperSockets Adapter,
 * or behind a HiperSockets partition link on HMC 2.16).
 */
export function createHipersockets(sim: SimContext, cpc: Resource, body: Record<string, unknown>): Resource {
  const id = randomUUID();
  const uri = `/api/adapters/${id}`;
  const used = new Set(sim.store.list(cpc.uri, 'adapter').map((a) => String(a.props['adapter-id'])));
  let n = 0x7c1;
  while (used.has(n.toString(16))) n++;
  const { 'port-description': portDescription, ...rest } = body;
  const adapter: Resource = {
    uri,
    cls: 'adapter',
    parent: cpc.uri,
    props: {
      description: '',
      status: 'active',
      state: 'online',
      'physical-channel-status': 'operating',
      'adapter-id': n.toString(16),
      'channel-path-id': null,
      'detected-card-type': 'hipersockets',
      'port-count': 1,
      'maximum-transmission-unit-size': 8,
      ...rest,
      'object-id': id,
      'object-uri': uri,
      parent: cpc.uri,
      class: 'adapter',
      type: 'hipersockets',
      'adapter-family': 'hipersockets',
    },
  };
  sim.store.add(adapter);
  const portUri = `${uri}/network-ports/0`;
  sim.store.add({
    uri: portUri,
    cls: 'network-port',
    parent: uri,
    props: {
      'element-id': '0',
      'element-uri': portUri,
      parent: uri,
      class: 'network-port',
      index: 0,
      name: 'Port 0',
      description: typeof portDescription === 'string' ? portDescription : '',
    },
  });
  adapter.props['network-port-uris'] = [portUri];
  const vsId = randomUUID();
  const vs: Resource = {
    uri: `/api/virtual-switches/${vsId}`,
    cls: 'virtual-switch',
    parent: cpc.uri,
    props: {
      'object-id': vsId,
      'object-uri': `/api/virtual-switches/${vsId}`,
      parent: cpc.uri,
      class: 'virtual-switch',
      name: String(body['name']),
      description: `Virtual switch of HiperSockets ${String(body['name'])}`,
      type: 'hipersockets',
      'backing-adapter-uri': uri,
      port: 0,
      'connected-vnic-uris': [],
    },
  };
  if (!sim.store.findByName(cpc.uri, 'virtual-switch', String(body['name']))) sim.store.add(vs);
  inventory(sim, adapter, 'add');
  return adapter;
}

/** Removes a HiperSockets adapter and its virtual switch. */
export function removeHipersockets(sim: SimContext, a: Resource): void {
  for (const vs of sim.store.list(a.parent, 'virtual-switch')) {
    if (vs.props['backing-adapter-uri'] === a.uri) {
      sim.store.remove(vs.uri);
      inventory(sim, vs, 'remove');
    }
  }
  sim.store.remove(a.uri);
  inventory(sim, a, 'remove');
}

export const adapterOpRoutes: RouteDef[] = [
  {
    // Create HiperSockets Adapter: the HMC also creates its port 0 and its virtual switch.
    method: 'POST',
    template: '/api/cpcs/{id}/adapters',
    handle: (sim, req) => {
      const cpc = getCpc(sim, req.params[0] ?? '');
      const body = bodyObject(req.body);
      requireFields(body, ['name']);
      checkFields(body, ADAPTER_SCHEMA, 'create');
      checkName(sim, cpc.uri, body['name']);
      const adapter = createHipersockets(sim, cpc, body);
      return created({ 'object-uri': adapter.uri });
    },
  },
  {
    method: 'POST',
    template: '/api/adapters/{id}',
    handle: (sim, req) => {
      const a = getAdapter(sim, req.params[0] ?? '');
      const body = bodyObject(req.body);
      checkFields(body, ADAPTER_SCHEMA, 'update');
      checkName(sim, a.parent, body['name'], a);
      updateProps(sim, a, body);
      return noContent();
    },
  },
  {
    // Delete HiperSockets Adapter: only HiperSockets adapters (409.1 otherwise, or when in use).
    method: 'DELETE',
    template: '/api/adapters/{id}',
    handle: (sim, req) => {
      const a = getAdapter(sim, req.params[0] ?? '');
      if (a.props['type'] !== 'hipersockets') throw conflict(1, 'Only HiperSockets adapters can be deleted');
      if (sim.store.list(a.parent, 'partition').some((p) => uses(sim, p, a))) {
        throw conflict(1, 'The HiperSockets adapter is used by a partition');
      }
      removeHipersockets(sim, a);
      return noContent();
    },
  },
  {
    method: 'GET',
    template: '/api/adapters/{id}/operations/get-partitions-assigned-to-adapter',
    query: ['name', 'status'],
    handle: (sim, req) => {
      const a = getAdapter(sim, req.params[0] ?? '');
      const match = filterMatcher(req.query, ['name', 'status']);
      const parts = sim.store
        .list(a.parent, 'partition')
        .filter((p) => match(p.props) && uses(sim, p, a))
        .map((p) => ({ 'object-uri': p.uri, name: p.props['name'], status: p.props['status'] }));
      return ok({ 'partitions-assigned-to-adapter': parts });
    },
  },
  ...(['storage-ports', 'network-ports'] as const).map((kind): RouteDef => ({
    method: 'POST',
    template: `/api/adapters/{id}/${kind}/{port-id}`,
    handle: (sim, req) => {
      const uri = `/api/adapters/${req.params[0] ?? ''}/${kind}/${req.params[1] ?? ''}`;
      const port = sim.store.get(uri);
      if (!port || (port.cls !== 'storage-port' && port.cls !== 'network-port')) throw notFound(uri);
      const body = bodyObject(req.body);
      checkFields(body, PORT_SCHEMA, 'update');
      updateProps(sim, port, body);
      return noContent();
    },
  })),
];
