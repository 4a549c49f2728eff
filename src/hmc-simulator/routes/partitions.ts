// Partitions: list, create, get, update, delete (synchronous WS API operations).
import { badRequest, conflict } from '../errors.js';
import { inventory, updateProps } from '../events.js';
import { PARTITION_SCHEMA } from '../partition-schema.js';
import {
  addPartition,
  checkMemory,
  checkUniqueName,
  getPartition,
  partitionView,
  requireNotTransitioning,
  requireStatus,
} from '../partition-model.js';
import { checkQuery, filterMatcher, selectProperties } from '../query.js';
import { bodyObject, checkFields, requireFields } from '../validation.js';
import { created, noContent, ok, type RouteDef } from '../context.js';
import { getCpc, pick } from './cpcs.js';
import { detachNic } from './nics.js';
import { removeVsrs } from '../storage-model.js';
import { forgetPartition } from '../partition-link-model.js';

const FILTERS = ['name', 'status', 'type'];
const LIST_PROPS = ['object-uri', 'name', 'status', 'type'];

export const partitionRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/api/cpcs/{id}/partitions',
    handle: (sim, req) => {
      checkQuery(req.query, [...FILTERS, 'additional-properties']);
      const cpc = getCpc(sim, req.params[0] ?? '');
      const match = filterMatcher(req.query, FILTERS);
      const partitions = sim.store
        .list(cpc.uri, 'partition')
        .filter((p) => match(p.props))
        .map((p) => pick(p.props, LIST_PROPS, req.query));
      return ok({ partitions });
    },
  },
  {
    // Create Partition: 400.5 missing, 400.6 read-only/unknown, 400.7 bad value, 400.8 duplicate name.
    method: 'POST',
    template: '/api/cpcs/{id}/partitions',
    handle: (sim, req) => {
      const cpc = getCpc(sim, req.params[0] ?? '');
      const body = bodyObject(req.body);
      requireFields(body, ['name', 'initial-memory', 'maximum-memory']);
      if (!('ifl-processors' in body) && !('cp-processors' in body)) {
        throw badRequest(5, "One of the fields 'ifl-processors' or 'cp-processors' is required");
      }
      checkFields(body, PARTITION_SCHEMA, 'create');
      checkMemory(body);
      checkUniqueName(sim.store, cpc.uri, String(body['name']), undefined);
      const p = addPartition(sim.store, cpc, body);
      inventory(sim, p, 'add');
      return created({ 'object-uri': p.uri });
    },
  },
  {
    method: 'GET',
    template: '/api/partitions/{id}',
    handle: (sim, req) => {
      checkQuery(req.query, ['properties', 'cached-acceptable']);
      const p = getPartition(sim, req.params[0] ?? '');
      return ok(selectProperties(partitionView(p), req.query));
    },
  },
  {
    // Update Partition Properties: 409.1 while starting/stopping, or for stopped-only fields
    // unless stopped; 400.6 for create-only `type` and read-only fields.
    method: 'POST',
    template: '/api/partitions/{id}',
    handle: (sim, req) => {
      const p = getPartition(sim, req.params[0] ?? '');
      const body = bodyObject(req.body);
      checkFields(body, PARTITION_SCHEMA, 'update');
      requireNotTransitioning(p, 'update');
      if (p.props['status'] !== 'stopped') {
        for (const k of Object.keys(body)) {
          if (PARTITION_SCHEMA[k]?.writable === 'stopped' && body[k] !== p.props[k]) {
            throw conflict(1, `The field '${k}' can only be changed while the partition is stopped`);
          }
        }
      }
      if (typeof body['name'] === 'string') checkUniqueName(sim.store, p.parent, body['name'], p);
      checkMemory({ ...p.props, ...body });
      updateProps(sim, p, body);
      return noContent();
    },
  },
  {
    // Delete Partition: only when stopped (or reservation-error); NICs and HBAs go with it.
    method: 'DELETE',
    template: '/api/partitions/{id}',
    handle: (sim, req) => {
      const p = getPartition(sim, req.params[0] ?? '');
      requireStatus(p, ['stopped', 'reservation-error'], 'delete');
      for (const nic of sim.store.list(p.uri, 'nic')) detachNic(sim, nic);
      // Attached storage groups are detached (their VSRs for this partition go); the groups stay.
      for (const sgUri of (p.props['storage-group-uris'] as string[] | undefined) ?? []) {
        const sg = sim.store.get(sgUri);
        if (sg) removeVsrs(sim, sg, p.uri);
      }
      forgetPartition(sim, p.uri);
      sim.store.remove(p.uri);
      inventory(sim, p, 'remove');
      return noContent();
    },
  },
];
