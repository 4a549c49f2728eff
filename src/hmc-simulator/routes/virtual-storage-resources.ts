// Virtual storage resources of a storage group (created by attach, removed by detach): list,
// get, update (name, description, device-number).
import { badRequest } from '../errors.js';
import { updateProps } from '../events.js';
import { deviceNumber } from '../devices.js';
import { checkQuery, filterMatcher, selectProperties } from '../query.js';
import { getElement, getStorageGroup } from '../storage-model.js';
import { bodyObject, checkFields, type Schema } from '../validation.js';
import { noContent, ok, type RouteDef } from '../context.js';
import { pick } from './cpcs.js';

const FILTERS = ['name', 'device-number', 'adapter-port-uri', 'partition-uri'];
const LIST_PROPS = ['element-uri', 'name', 'device-number', 'adapter-port-uri', 'partition-uri'];

const VSR_SCHEMA: Schema = {
  name: { type: 'string', minLen: 1, maxLen: 64 },
  description: { type: 'string', maxLen: 1024 },
  'device-number': { type: 'string', pattern: /^[0-9A-Fa-f]{4}$/ },
};

export const virtualStorageResourceRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/api/storage-groups/{id}/virtual-storage-resources',
    query: [...FILTERS, 'additional-properties'],
    handle: (sim, req) => {
      const sg = getStorageGroup(sim, req.params[0] ?? '');
      const match = filterMatcher(req.query, FILTERS);
      const vsrs = sim.store
        .list(sg.uri, 'virtual-storage-resource')
        .filter((v) => match(v.props))
        .map((v) => pick(v.props, LIST_PROPS, req.query));
      return ok({ 'virtual-storage-resources': vsrs });
    },
  },
  {
    method: 'GET',
    template: '/api/storage-groups/{id}/virtual-storage-resources/{vsr-id}',
    handle: (sim, req) => {
      checkQuery(req.query, ['properties']);
      const sg = getStorageGroup(sim, req.params[0] ?? '');
      const v = getElement(
        sim,
        sg,
        'virtual-storage-resources',
        req.params[1] ?? '',
        'virtual-storage-resource',
      );
      return ok(selectProperties(v.props, req.query));
    },
  },
  {
    method: 'POST',
    template: '/api/storage-groups/{id}/virtual-storage-resources/{vsr-id}',
    handle: (sim, req) => {
      const sg = getStorageGroup(sim, req.params[0] ?? '');
      const v = getElement(
        sim,
        sg,
        'virtual-storage-resources',
        req.params[1] ?? '',
        'virtual-storage-resource',
      );
      const body = bodyObject(req.body);
      checkFields(body, VSR_SCHEMA, 'update');
      if (typeof body['name'] === 'string') {
        const other = sim.store.findByName(sg.uri, 'virtual-storage-resource', body['name']);
        if (other && other !== v)
          throw badRequest(8, `A virtual storage resource named '${body['name']}' exists`);
      }
      if (body['device-number'] !== undefined) {
        const partition = sim.store.get(String(v.props['partition-uri']));
        if (partition) body['device-number'] = deviceNumber(sim.store, partition, body['device-number'], v);
      }
      updateProps(sim, v, body);
      return noContent();
    },
  },
];
