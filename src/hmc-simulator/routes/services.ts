// Get Inventory (POST /api/services/inventory) and List Console/CPC API Features (HMC 2.16 /
// API 4.10: the partition-link features the simulator implements).
import { badRequest } from '../errors.js';
import { partitionView } from '../partition-model.js';
import { bodyObject, requireFields } from '../validation.js';
import { ok, type RouteDef } from '../context.js';
import { getCpc } from './cpcs.js';
import type { ResourceClass } from '../store.js';

/** Classes in the `dpm-resources` inventory category, in the HMC's order. */
const DPM_CLASSES: readonly ResourceClass[] = [
  'cpc',
  'partition',
  'nic',
  'hba',
  'adapter',
  'storage-port',
  'network-port',
  'virtual-switch',
  'storage-group',
  'storage-volume',
  'virtual-storage-resource',
  'storage-template',
  'storage-template-volume',
];
const CATEGORIES: Record<string, readonly ResourceClass[]> = {
  'dpm-resources': DPM_CLASSES,
  cpc: ['cpc'],
  partition: ['partition', 'nic', 'hba'],
  adapter: ['adapter', 'storage-port', 'network-port'],
  'storage-group': ['storage-group', 'storage-volume', 'virtual-storage-resource'],
  'storage-template': ['storage-template', 'storage-template-volume'],
  'virtual-switch': ['virtual-switch'],
};

/** API features of the console and of CPCs with SE 2.16 or later. */
const API_FEATURES = [
  'cpc-install-and-activate',
  'cpc-delete-retrieved-internal-code',
  'report-a-problem',
  'adapter-network-info',
  'environmental-metrics',
  'dpm-hipersockets-partition-link-management',
  'dpm-smcd-partition-link-management',
  'dpm-ctc-partition-link-management',
];

function features(query: URLSearchParams): string[] {
  const name = query.get('name');
  if (name === null) return API_FEATURES;
  const re = new RegExp(`^(?:${name})$`);
  return API_FEATURES.filter((f) => re.test(f));
}

export const serviceRoutes: RouteDef[] = [
  {
    method: 'POST',
    template: '/api/services/inventory',
    handle: (sim, req) => {
      const body = bodyObject(req.body);
      requireFields(body, ['resources']);
      const wanted = body['resources'];
      if (!Array.isArray(wanted)) throw badRequest(7, "The field 'resources' must be an array");
      const classes = new Set<ResourceClass>();
      for (const w of wanted) for (const c of CATEGORIES[String(w)] ?? []) classes.add(c);
      const out: Record<string, unknown>[] = [];
      const visit = (uri: string): void => {
        const r = sim.store.get(uri);
        if (!r) return;
        if (classes.has(r.cls)) out.push(r.cls === 'partition' ? partitionView(r) : structuredClone(r.props));
      };
      for (const root of [
        ...sim.store.roots('cpc'),
        ...sim.store.roots('storage-group'),
        ...sim.store.roots('storage-template'),
      ]) {
        visit(root.uri);
        for (const cls of DPM_CLASSES) {
          for (const child of sim.store.list(root.uri, cls)) {
            visit(child.uri);
            for (const cls2 of DPM_CLASSES) for (const g of sim.store.list(child.uri, cls2)) visit(g.uri);
          }
        }
      }
      return ok(out);
    },
  },
  {
    method: 'GET',
    template: '/api/console/operations/list-features',
    query: ['name'],
    handle: (_sim, req) => ok(features(req.query)),
  },
  {
    method: 'GET',
    template: '/api/cpcs/{id}/operations/list-features',
    query: ['name'],
    handle: (sim, req) => {
      const cpc = getCpc(sim, req.params[0] ?? '');
      // Partition links need SE 2.16 (z16) or later.
      return ok(String(cpc.props['se-version']) >= '2.16' ? features(req.query) : []);
    },
  },
];
