// HBAs of a partition (only when the CPC's dpm-storage-management feature is off).
import { randomUUID } from 'node:crypto';
import { badRequest, conflict, notFound } from '../errors.js';
import { inventory, updateProps } from '../events.js';
import { deviceNumber, wwpn } from '../devices.js';
import { getPartition, requireNotTransitioning } from '../partition-model.js';
import { featureEnabled, STORAGE_FEATURE } from '../storage-model.js';
import { checkQuery, selectProperties } from '../query.js';
import { bodyObject, checkFields, requireFields, type Schema } from '../validation.js';
import { created, noContent, ok, type RouteDef, type SimContext, type SimRequest } from '../context.js';
import type { Resource } from '../store.js';

const HBA_SCHEMA: Schema = {
  name: { type: 'string', minLen: 1, maxLen: 64 },
  description: { type: 'string', maxLen: 1024 },
  'device-number': { type: 'string', pattern: /^[0-9A-Fa-f]{4}$/ },
  'adapter-port-uri': { type: 'string', writable: 'create' },
};

/**
 * 409 when the CPC has the dpm-storage-management feature enabled (HBAs are then managed
 * through storage groups). The reason code 487 is this simulator's choice: no public source
 * names the real one, and zhmcclient never sends the request (its HbaManager is absent then).
 */
export const HBA_NOT_SUPPORTED_REASON = 487;

function requireNoStorageManagement(sim: SimContext, partition: Resource): void {
  if (featureEnabled(sim.store.get(partition.parent), STORAGE_FEATURE)) {
    throw conflict(
      HBA_NOT_SUPPORTED_REASON,
      'HBAs cannot be managed directly because the CPC has the dpm-storage-management feature enabled',
    );
  }
}

function getHba(sim: SimContext, req: SimRequest): { partition: Resource; hba: Resource } {
  const partition = getPartition(sim, req.params[0] ?? '');
  const uri = `${partition.uri}/hbas/${req.params[1] ?? ''}`;
  const hba = sim.store.get(uri);
  if (!hba || hba.cls !== 'hba') throw notFound(uri);
  return { partition, hba };
}

export const hbaRoutes: RouteDef[] = [
  {
    method: 'POST',
    template: '/api/partitions/{id}/hbas',
    handle: (sim, req) => {
      const partition = getPartition(sim, req.params[0] ?? '');
      requireNoStorageManagement(sim, partition);
      const body = bodyObject(req.body);
      requireFields(body, ['name', 'adapter-port-uri']);
      checkFields(body, HBA_SCHEMA, 'create');
      requireNotTransitioning(partition, 'create HBA');
      const portUri = String(body['adapter-port-uri']);
      const port = sim.store.get(portUri);
      if (!port || port.cls !== 'storage-port') throw notFound(portUri);
      const name = String(body['name']);
      if (sim.store.findByName(partition.uri, 'hba', name)) {
        throw badRequest(8, `An HBA named '${name}' already exists in the partition`);
      }
      const devno = deviceNumber(sim.store, partition, body['device-number']);
      const id = randomUUID();
      const uri = `${partition.uri}/hbas/${id}`;
      const hba: Resource = {
        uri,
        cls: 'hba',
        parent: partition.uri,
        props: {
          description: '',
          ...body,
          'device-number': devno,
          wwpn: wwpn(),
          'element-uri': uri,
          'element-id': id,
          parent: partition.uri,
          class: 'hba',
        },
      };
      sim.store.add(hba);
      updateProps(sim, partition, {
        'hba-uris': [...((partition.props['hba-uris'] as string[]) ?? []), uri],
      });
      inventory(sim, hba, 'add');
      return created({ 'element-uri': uri });
    },
  },
  {
    method: 'GET',
    template: '/api/partitions/{id}/hbas/{hba-id}',
    handle: (sim, req) => {
      checkQuery(req.query, ['properties']);
      return ok(selectProperties(getHba(sim, req).hba.props, req.query));
    },
  },
  {
    method: 'POST',
    template: '/api/partitions/{id}/hbas/{hba-id}',
    handle: (sim, req) => {
      const { partition, hba } = getHba(sim, req);
      const body = bodyObject(req.body);
      checkFields(body, HBA_SCHEMA, 'update');
      requireNotTransitioning(partition, 'update HBA');
      if (typeof body['name'] === 'string') {
        const other = sim.store.findByName(partition.uri, 'hba', body['name']);
        if (other && other !== hba) throw badRequest(8, `An HBA named '${body['name']}' already exists`);
      }
      if (body['device-number'] !== undefined) {
        body['device-number'] = deviceNumber(sim.store, partition, body['device-number'], hba);
      }
      updateProps(sim, hba, body);
      return noContent();
    },
  },
  {
    method: 'DELETE',
    template: '/api/partitions/{id}/hbas/{hba-id}',
    handle: (sim, req) => {
      const { partition, hba } = getHba(sim, req);
      requireNotTransitioning(partition, 'delete HBA');
      sim.store.remove(hba.uri);
      updateProps(sim, partition, {
        'hba-uris': ((partition.props['hba-uris'] as string[]) ?? []).filter((u) => u !== hba.uri),
      });
      inventory(sim, hba, 'remove');
      return noContent();
    },
  },
];
