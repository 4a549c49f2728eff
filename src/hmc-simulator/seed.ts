// Loads zhmcclient's HMC-definition format (`hmc_definition: {host, api_version, consoles, cpcs}`)
// into the store. Only the DPM resources the simulator serves are read: console users, storage
// groups (+volumes, VSRs) and storage group templates (+volumes), CPCs with adapters (+ports),
// virtual switches and partitions (+NICs, HBAs).
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { addPartition } from './partition-model.js';
import type { Resource, Store } from './store.js';
import type { Props } from './types.js';

const SEED_DIR = join(dirname(fileURLToPath(import.meta.url)), 'seed');

/** Built-in seeds: `current` (alias `z16`, the default) has dpm-storage-management on; `z13` has HBAs. */
export const SEED_NAMES = { current: 'z16.yaml', z16: 'z16.yaml', z13: 'z13.yaml' } as const;
export type SeedName = keyof typeof SEED_NAMES;

export const DEFAULT_SEED_PATH = join(SEED_DIR, SEED_NAMES.current);

/** The path of a built-in seed; SeedError for an unknown name. */
export function seedPath(name: string): string {
  const file = (SEED_NAMES as Record<string, string>)[name];
  if (!file)
    throw new SeedError(`unknown seed name '${name}' (known: ${Object.keys(SEED_NAMES).join(', ')})`);
  return join(SEED_DIR, file);
}

export interface SeedInfo {
  hmcName: string;
  hmcVersion: string;
  apiMajor: number;
  apiMinor: number;
  /** The first console user with a password, if any. */
  user?: { userid: string; password: string };
}

interface Node {
  properties?: Props;
  [child: string]: unknown;
}

export class SeedError extends Error {
  override readonly name = 'SeedError';
}

/** The seed document: `seed` (a YAML path or parsed object) wins, else the built-in `seedName`. */
export async function readSeed(seed: string | object | undefined, seedName?: string): Promise<object> {
  if (typeof seed === 'object') return seed;
  const path = seed ?? (seedName === undefined ? DEFAULT_SEED_PATH : seedPath(seedName));
  const doc = yaml.load(await readFile(path, 'utf8'));
  if (typeof doc !== 'object' || doc === null) throw new SeedError(`${path}: not a YAML mapping`);
  return doc;
}

const nodes = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : []);
const props = (n: Node): Props => ({ ...(n.properties ?? {}) });

function objectResource(cls: Resource['cls'], base: string, parent: string, p: Props): Resource {
  const id = String(p['object-id'] ?? randomUUID());
  const uri = typeof p['object-uri'] === 'string' ? p['object-uri'] : `${base}/${id}`;
  return { uri, cls, parent, props: { ...p, 'object-id': id, 'object-uri': uri, class: cls } };
}

function elementResource(cls: Resource['cls'], base: string, parent: string, p: Props): Resource {
  const id = String(p['element-id'] ?? randomUUID());
  const uri = typeof p['element-uri'] === 'string' ? p['element-uri'] : `${base}/${id}`;
  return { uri, cls, parent, props: { ...p, 'element-id': id, 'element-uri': uri, parent, class: cls } };
}

/** Fills `store` from a parsed HMC definition. */
export function loadSeed(store: Store, doc: object): SeedInfo {
  const def = (doc as { hmc_definition?: Record<string, unknown> }).hmc_definition;
  if (!def || typeof def !== 'object') throw new SeedError("the seed has no 'hmc_definition' mapping");
  const [major, minor] = String(def['api_version'] ?? '4.10').split('.');
  const info: SeedInfo = {
    hmcName: 'HMC',
    hmcVersion: '2.16.0',
    apiMajor: Number(major ?? 4),
    apiMinor: Number(minor ?? 10),
  };
  for (const c of nodes(def['consoles'])) {
    const p = props(c);
    delete p['password'];
    store.add({
      uri: '/api/console',
      cls: 'console',
      parent: '',
      props: { ...p, 'object-uri': '/api/console', class: 'console', parent: null },
    });
    if (typeof p['name'] === 'string') info.hmcName = p['name'];
    if (typeof p['version'] === 'string') info.hmcVersion = p['version'];
    for (const u of nodes(c['users'])) {
      const up = props(u);
      if (!info.user && typeof up['name'] === 'string' && typeof up['password'] === 'string') {
        info.user = { userid: up['name'], password: up['password'] };
      }
    }
  }
  for (const c of nodes(def['cpcs'])) loadCpc(store, c);
  // Storage groups live on the console but refer to CPCs and partitions: load them last.
  for (const c of nodes(def['consoles'])) {
    for (const g of nodes(c['storage_groups'])) loadStorageGroup(store, g);
    for (const t of nodes(c['storage_group_templates'])) loadStorageTemplate(store, t);
  }
  return info;
}

function loadCpc(store: Store, c: Node): void {
  const cpc = objectResource('cpc', '/api/cpcs', '', props(c));
  cpc.props['has-unacceptable-status'] ??= false;
  store.add(cpc);
  for (const a of nodes(c['adapters'])) {
    const adapter = objectResource('adapter', '/api/adapters', cpc.uri, props(a));
    adapter.props['parent'] = cpc.uri;
    const storage = adapter.props['adapter-family'] === 'ficon';
    const kind = storage ? 'storage-ports' : 'network-ports';
    const portUris: string[] = [];
    store.add(adapter);
    for (const pn of nodes(a['ports'])) {
      const pp = props(pn);
      pp['element-id'] ??= String(pp['index'] ?? portUris.length);
      pp['index'] ??= Number(pp['element-id']);
      const port = elementResource(
        storage ? 'storage-port' : 'network-port',
        `${adapter.uri}/${kind}`,
        adapter.uri,
        pp,
      );
      store.add(port);
      portUris.push(port.uri);
    }
    adapter.props[storage ? 'storage-port-uris' : 'network-port-uris'] = portUris;
  }
  for (const v of nodes(c['virtual_switches'])) {
    const vs = objectResource('virtual-switch', '/api/virtual-switches', cpc.uri, props(v));
    vs.props['parent'] = cpc.uri;
    vs.props['connected-vnic-uris'] ??= [];
    store.add(vs);
  }
  for (const pn of nodes(c['partitions'])) {
    const part = addPartition(store, cpc, props(pn));
    const nicUris: string[] = [];
    const hbaUris: string[] = [];
    for (const n of nodes(pn['nics'])) {
      const nic = elementResource('nic', `${part.uri}/nics`, part.uri, props(n));
      store.add(nic);
      nicUris.push(nic.uri);
      const vs = store.get(String(nic.props['virtual-switch-uri'] ?? ''));
      if (vs) (vs.props['connected-vnic-uris'] as string[]).push(nic.uri);
    }
    for (const h of nodes(pn['hbas'])) {
      const hba = elementResource('hba', `${part.uri}/hbas`, part.uri, props(h));
      store.add(hba);
      hbaUris.push(hba.uri);
    }
    part.props['nic-uris'] = nicUris;
    part.props['hba-uris'] = hbaUris;
  }
}

function loadStorageGroup(store: Store, g: Node): void {
  const p = props(g);
  const shared = p['shared'] !== false;
  const sg = objectResource('storage-group', '/api/storage-groups', '', {
    description: '',
    type: 'fcp',
    shared,
    connectivity: 2,
    'max-partitions': shared ? 2 : 1,
    'direct-connection-count': 0,
    'fulfillment-state': 'pending',
    'candidate-adapter-port-uris': [],
    'unassigned-world-wide-port-names': [],
    'email-to-addresses': null,
    'email-cc-addresses': null,
    'email-insert': null,
    ...p,
  });
  sg.props['parent'] = '/api/console';
  store.add(sg);
  sg.props['storage-volume-uris'] = nodes(g['storage_volumes']).map((v) => {
    const vol = elementResource('storage-volume', `${sg.uri}/storage-volumes`, sg.uri, {
      description: '',
      usage: 'data',
      'fulfillment-state': 'pending',
      paths: [],
      ...props(v),
    });
    store.add(vol);
    return vol.uri;
  });
  sg.props['virtual-storage-resource-uris'] = nodes(g['virtual_storage_resources']).map((v) => {
    const vsr = elementResource('virtual-storage-resource', `${sg.uri}/virtual-storage-resources`, sg.uri, {
      description: '',
      ...props(v),
    });
    store.add(vsr);
    return vsr.uri;
  });
}

function loadStorageTemplate(store: Store, t: Node): void {
  const p = props(t);
  const shared = p['shared'] !== false;
  const tpl = objectResource('storage-template', '/api/storage-templates', '', {
    description: '',
    type: 'fcp',
    shared,
    connectivity: 2,
    'max-partitions': shared ? 2 : 1,
    ...p,
  });
  tpl.props['parent'] = '/api/console';
  store.add(tpl);
  tpl.props['storage-template-volume-uris'] = nodes(t['storage_template_volumes']).map((v) => {
    const vol = elementResource('storage-template-volume', `${tpl.uri}/storage-template-volumes`, tpl.uri, {
      description: '',
      usage: 'data',
      ...props(v),
    });
    store.add(vol);
    return vol.uri;
  });
}
