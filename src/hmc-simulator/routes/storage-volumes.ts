// Storage volumes of a storage group: list, get, Fulfill FCP Storage Volume. Create, modify and
// delete go through the group's modify operation (routes/storage-groups.ts).
import { badRequest, notFound } from '../errors.js';
import { checkQuery, filterMatcher, selectProperties } from '../query.js';
import { fulfillVolume, getElement, getStorageGroup } from '../storage-model.js';
import { bodyObject, checkFields, requireFields, type Schema } from '../validation.js';
import { noContent, ok, type RouteDef } from '../context.js';
import { pick } from './cpcs.js';

const FILTERS = ['name', 'fulfillment-state', 'maximum-size', 'minimum-size', 'usage'];
const LIST_PROPS = ['element-uri', 'name', 'fulfillment-state', 'size', 'usage'];
// Exactly 16 lower-case hex digits: zhmcclient's indicate_fulfillment_fcp formats both values so, as
// "the operation requires exactly 16 characters in lower case".
const HEX16 = /^[0-9a-f]{16}$/;

const FULFILL_SCHEMA: Schema = {
  'world-wide-port-name': { type: 'string', pattern: HEX16 },
  'logical-unit-number': { type: 'string', pattern: HEX16 },
  'adapter-port-uri': { type: 'string' },
};

export const storageVolumeRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/api/storage-groups/{id}/storage-volumes',
    query: [...FILTERS, 'additional-properties'],
    handle: (sim, req) => {
      const sg = getStorageGroup(sim, req.params[0] ?? '');
      const match = filterMatcher(req.query, FILTERS);
      const vols = sim.store
        .list(sg.uri, 'storage-volume')
        .filter((v) => match(v.props))
        .map((v) => pick(v.props, LIST_PROPS, req.query));
      return ok({ 'storage-volumes': vols });
    },
  },
  {
    method: 'GET',
    template: '/api/storage-groups/{id}/storage-volumes/{volume-id}',
    handle: (sim, req) => {
      checkQuery(req.query, ['properties']);
      const sg = getStorageGroup(sim, req.params[0] ?? '');
      const v = getElement(sim, sg, 'storage-volumes', req.params[1] ?? '', 'storage-volume');
      return ok(selectProperties(v.props, req.query));
    },
  },
  {
    // Fulfill FCP Storage Volume: what storage automation reports once the LUN is mapped and zoned.
    method: 'POST',
    template: '/api/storage-groups/{id}/storage-volumes/{volume-id}/operations/fulfill-fcp-storage-volume',
    handle: (sim, req) => {
      const sg = getStorageGroup(sim, req.params[0] ?? '');
      const v = getElement(sim, sg, 'storage-volumes', req.params[1] ?? '', 'storage-volume');
      const body = bodyObject(req.body);
      requireFields(body, ['world-wide-port-name', 'logical-unit-number', 'adapter-port-uri']);
      checkFields(body, FULFILL_SCHEMA, 'create');
      if (sg.props['type'] !== 'fcp') throw badRequest(7, 'The storage group is not of type fcp');
      const portUri = String(body['adapter-port-uri']);
      const port = sim.store.get(portUri);
      if (!port || port.cls !== 'storage-port') throw notFound(portUri);
      fulfillVolume(sim, v, {
        wwpn: String(body['world-wide-port-name']),
        lun: String(body['logical-unit-number']),
        portUri,
      });
      return noContent();
    },
  },
];
