// NICs of a partition, backed by a virtual switch (OSA, HiperSockets) or a network port (RoCE/CNA).
import { randomUUID } from 'node:crypto';
import { badRequest, notFound } from '../errors.js';
import { inventory, updateProps } from '../events.js';
import { deviceNumber, macAddress } from '../devices.js';
import { getPartition, requireNotTransitioning } from '../partition-model.js';
import { checkQuery, selectProperties } from '../query.js';
import { bodyObject, checkFields, requireFields, type Schema } from '../validation.js';
import { created, noContent, ok, type RouteDef, type SimContext, type SimRequest } from '../context.js';
import type { Resource } from '../store.js';

const NIC_SCHEMA: Schema = {
  name: { type: 'string', minLen: 1, maxLen: 64 },
  description: { type: 'string', maxLen: 1024 },
  'device-number': { type: 'string', pattern: /^[0-9A-Fa-f]{4}$/ },
  'virtual-switch-uri': { type: 'string', writable: 'create' },
  'network-adapter-port-uri': { type: 'string', writable: 'create' },
  'vlan-id': { type: 'int', nullable: true, min: 1, max: 4094 },
  'vlan-type': { type: 'string', nullable: true, enum: ['enforced'] },
  'mac-address': { type: 'string', nullable: true, pattern: /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/ },
  'ssc-management-nic': { type: 'bool' },
  'ssc-ip-address-type': { type: 'string', nullable: true },
  'ssc-ip-address': { type: 'string', nullable: true },
  'ssc-mask-prefix': { type: 'string', nullable: true },
  'function-number': { type: 'int', nullable: true },
  'function-range': { type: 'int', nullable: true },
};

const NIC_TYPE_BY_VSWITCH: Record<string, string> = { osd: 'osd', hipersockets: 'iqd' };
const NIC_TYPE_BY_FAMILY: Record<string, string> = { roce: 'roce', cna: 'cna', 'network-express': 'neth' };

function getNic(sim: SimContext, req: SimRequest): { partition: Resource; nic: Resource } {
  const partition = getPartition(sim, req.params[0] ?? '');
  const uri = `${partition.uri}/nics/${req.params[1] ?? ''}`;
  const nic = sim.store.get(uri);
  if (!nic || nic.cls !== 'nic') throw notFound(uri);
  return { partition, nic };
}

/** Resolves the backing of a new NIC: its type plus the virtual switch (if any). 400.5 if none given. */
function backing(sim: SimContext, body: Record<string, unknown>): { type: string; vswitch?: Resource } {
  const vsUri = body['virtual-switch-uri'];
  const portUri = body['network-adapter-port-uri'];
  if (typeof vsUri === 'string') {
    const vs = sim.store.get(vsUri);
    if (!vs || vs.cls !== 'virtual-switch') throw notFound(vsUri);
    return { type: NIC_TYPE_BY_VSWITCH[String(vs.props['type'])] ?? String(vs.props['type']), vswitch: vs };
  }
  if (typeof portUri === 'string') {
    const port = sim.store.get(portUri);
    if (!port || port.cls !== 'network-port') throw notFound(portUri);
    const adapter = sim.store.get(port.parent);
    const family = String(adapter?.props['adapter-family'] ?? '');
    return { type: NIC_TYPE_BY_FAMILY[family] ?? String(adapter?.props['type'] ?? family) };
  }
  throw badRequest(5, "One of the fields 'virtual-switch-uri' or 'network-adapter-port-uri' is required");
}

/** Removes a NIC from its virtual switch's `connected-vnic-uris`. */
export function detachNic(sim: SimContext, nic: Resource): void {
  const vsUri = nic.props['virtual-switch-uri'];
  const vs = typeof vsUri === 'string' ? sim.store.get(vsUri) : undefined;
  if (!vs) return;
  const list = (vs.props['connected-vnic-uris'] as string[] | undefined) ?? [];
  updateProps(sim, vs, { 'connected-vnic-uris': list.filter((u) => u !== nic.uri) });
}

export const nicRoutes: RouteDef[] = [
  {
    method: 'POST',
    template: '/api/partitions/{id}/nics',
    handle: (sim, req) => {
      const partition = getPartition(sim, req.params[0] ?? '');
      const body = bodyObject(req.body);
      requireFields(body, ['name']);
      checkFields(body, NIC_SCHEMA, 'create');
      requireNotTransitioning(partition, 'create NIC');
      const { type, vswitch } = backing(sim, body);
      const name = String(body['name']);
      if (sim.store.findByName(partition.uri, 'nic', name)) {
        throw badRequest(8, `A NIC named '${name}' already exists in the partition`);
      }
      const devno = deviceNumber(sim.store, partition, body['device-number']);
      const id = randomUUID();
      const uri = `${partition.uri}/nics/${id}`;
      const nic: Resource = {
        uri,
        cls: 'nic',
        parent: partition.uri,
        props: {
          description: '',
          'vlan-id': null,
          'vlan-type': null,
          'ssc-management-nic': false,
          'ssc-ip-address-type': null,
          'ssc-ip-address': null,
          'ssc-mask-prefix': null,
          ...body,
          'mac-address': body['mac-address'] ?? macAddress(),
          'device-number': devno,
          'element-uri': uri,
          'element-id': id,
          parent: partition.uri,
          class: 'nic',
          type,
        },
      };
      sim.store.add(nic);
      updateProps(sim, partition, {
        'nic-uris': [...((partition.props['nic-uris'] as string[]) ?? []), uri],
      });
      if (vswitch) {
        const list = (vswitch.props['connected-vnic-uris'] as string[] | undefined) ?? [];
        updateProps(sim, vswitch, { 'connected-vnic-uris': [...list, uri] });
      }
      inventory(sim, nic, 'add');
      return created({ 'element-uri': uri });
    },
  },
  {
    method: 'GET',
    template: '/api/partitions/{id}/nics/{nic-id}',
    handle: (sim, req) => {
      checkQuery(req.query, ['properties']);
      return ok(selectProperties(getNic(sim, req).nic.props, req.query));
    },
  },
  {
    method: 'POST',
    template: '/api/partitions/{id}/nics/{nic-id}',
    handle: (sim, req) => {
      const { partition, nic } = getNic(sim, req);
      const body = bodyObject(req.body);
      checkFields(body, NIC_SCHEMA, 'update');
      requireNotTransitioning(partition, 'update NIC');
      if (typeof body['name'] === 'string') {
        const other = sim.store.findByName(partition.uri, 'nic', body['name']);
        if (other && other !== nic) throw badRequest(8, `A NIC named '${body['name']}' already exists`);
      }
      if (body['device-number'] !== undefined) {
        body['device-number'] = deviceNumber(sim.store, partition, body['device-number'], nic);
      }
      updateProps(sim, nic, body);
      return noContent();
    },
  },
  {
    method: 'DELETE',
    template: '/api/partitions/{id}/nics/{nic-id}',
    handle: (sim, req) => {
      const { partition, nic } = getNic(sim, req);
      requireNotTransitioning(partition, 'delete NIC');
      detachNic(sim, nic);
      sim.store.remove(nic.uri);
      updateProps(sim, partition, {
        'nic-uris': ((partition.props['nic-uris'] as string[]) ?? []).filter((u) => u !== nic.uri),
      });
      inventory(sim, nic, 'remove');
      return noContent();
    },
  },
];
