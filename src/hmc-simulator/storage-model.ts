// Storage groups, their storage volumes and virtual storage resources (DPM storage management,
// firmware feature `dpm-storage-management`): lookup, volume requests, fulfillment and the
// VSRs the HMC creates when a group is attached to a partition.
import { randomUUID } from 'node:crypto';
import { badRequest, conflict, notFound } from './errors.js';
import { inventory, updateProps } from './events.js';
import { deviceNumber, wwpn } from './devices.js';
import { checkFields, requireFields, type Schema } from './validation.js';
import type { SimContext } from './context.js';
import type { Resource, Store } from './store.js';
import type { Props } from './types.js';

export const CONSOLE_URI = '/api/console';
export const STORAGE_FEATURE = 'dpm-storage-management';

/** Whether the CPC has a firmware feature switched on (`available-features-list`). */
export function featureEnabled(cpc: Resource | undefined, name: string): boolean {
  const list =
    (cpc?.props['available-features-list'] as { name: string; state: boolean }[] | undefined) ?? [];
  return list.some((f) => f.name === name && f.state);
}

/**
 * 409.1 unless the CPC has dpm-storage-management on (storage groups do not exist otherwise).
 * The reason code is this simulator's choice; the WS API book says only that the operation is
 * not available then.
 */
export function requireStorageManagement(cpc: Resource | undefined, op: string): void {
  if (!featureEnabled(cpc, STORAGE_FEATURE)) {
    throw conflict(1, `${op}: the CPC does not have the ${STORAGE_FEATURE} feature enabled`);
  }
}

export function getStorageGroup(sim: SimContext, id: string): Resource {
  const uri = `/api/storage-groups/${id}`;
  const r = sim.store.get(uri);
  if (!r || r.cls !== 'storage-group') throw notFound(uri);
  return r;
}

export function getElement(
  sim: SimContext,
  parent: Resource,
  kind: string,
  id: string,
  cls: Resource['cls'],
) {
  const uri = `${parent.uri}/${kind}/${id}`;
  const r = sim.store.get(uri);
  if (!r || r.cls !== cls) throw notFound(uri);
  return r;
}

export const VOLUME_SCHEMA: Schema = {
  name: { type: 'string', minLen: 1, maxLen: 64 },
  description: { type: 'string', maxLen: 200 },
  size: { type: 'number', min: 0.000001, max: 1_048_576 },
  usage: { type: 'string', enum: ['boot', 'data'] },
  model: { type: 'string' },
  'device-number': { type: 'string', pattern: /^[0-9A-Fa-f]{4}$/ },
};

const list = (r: Resource, k: string): string[] => [...((r.props[k] as string[] | undefined) ?? [])];

/** Adds a storage volume (pending) to a group; returns its URI. */
export function addVolume(sim: SimContext, sg: Resource, spec: Props, seeded = false): Resource {
  const id = typeof spec['element-id'] === 'string' ? spec['element-id'] : randomUUID();
  const uri = `${sg.uri}/storage-volumes/${id}`;
  const v: Resource = {
    uri,
    cls: 'storage-volume',
    parent: sg.uri,
    props: {
      description: '',
      usage: 'data',
      'fulfillment-state': 'pending',
      'active-size': null,
      uuid: null,
      paths: [],
      'eckd-type': null,
      'maximum-size': null,
      'minimum-size': null,
      ...spec,
      'element-id': id,
      'element-uri': uri,
      parent: sg.uri,
      class: 'storage-volume',
    },
  };
  if (typeof v.props['name'] !== 'string') v.props['name'] = `Volume ${id.slice(0, 8)}`;
  sim.store.add(v);
  sg.props['storage-volume-uris'] = [...list(sg, 'storage-volume-uris'), uri];
  if (!seeded) {
    inventory(sim, v, 'add');
    scheduleFulfillment(sim, v);
  }
  return v;
}

/** Applies `storage-volumes: [{operation: create|modify|delete, ...}]`; returns created URIs. */
export function applyVolumeRequests(sim: SimContext, sg: Resource, requests: unknown): string[] {
  if (requests === undefined) return [];
  if (!Array.isArray(requests)) throw badRequest(7, "The field 'storage-volumes' must be an array");
  // Validate every request before changing anything (the HMC applies a modify atomically).
  const names = new Set(sim.store.list(sg.uri, 'storage-volume').map((v) => String(v.props['name'])));
  const plan: { op: string; req: Props; vol?: Resource }[] = [];
  for (const raw of requests as unknown[]) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw badRequest(7, "Each entry of 'storage-volumes' must be an object");
    }
    const req = { ...(raw as Props) };
    requireFields(req, ['operation']);
    const op = req['operation'];
    delete req['operation'];
    if (op === 'create') {
      if ('element-uri' in req) {
        throw badRequest(7, "The 'element-uri' field in storage-volumes is invalid for the create operation");
      }
      requireFields(req, ['size']);
      checkFields(req, VOLUME_SCHEMA, 'create');
      if (typeof req['name'] === 'string') {
        if (names.has(req['name']))
          throw badRequest(8, `A storage volume named '${req['name']}' already exists`);
        names.add(req['name']);
      }
      plan.push({ op, req });
    } else if (op === 'modify' || op === 'delete') {
      requireFields(req, ['element-uri']);
      const uri = String(req['element-uri']);
      const vol = sim.store.get(uri);
      if (!vol || vol.cls !== 'storage-volume' || vol.parent !== sg.uri) throw notFound(uri);
      delete req['element-uri'];
      if (op === 'modify') {
        checkFields(req, VOLUME_SCHEMA, 'update');
        const size = req['size'];
        if (typeof size === 'number' && size < Number(vol.props['size'])) {
          throw badRequest(7, 'The size of a storage volume can only be increased');
        }
        if (typeof req['name'] === 'string' && req['name'] !== vol.props['name']) {
          if (names.has(req['name'])) {
            throw badRequest(8, `A storage volume named '${req['name']}' already exists`);
          }
          names.delete(String(vol.props['name']));
          names.add(req['name']);
        }
      } else {
        for (const p of attachedPartitions(sim, sg)) {
          if (p.props['boot-storage-volume'] === uri && p.props['status'] !== 'stopped') {
            throw conflict(
              1,
              `The storage volume is the boot volume of partition ${String(p.props['name'])}`,
            );
          }
        }
      }
      plan.push({ op, req, vol });
    } else {
      throw badRequest(7, `Invalid value for storage-volumes 'operation' field: ${String(op)}`);
    }
  }
  const createdUris: string[] = [];
  for (const { op, req, vol } of plan) {
    if (op === 'create') createdUris.push(addVolume(sim, sg, req).uri);
    else if (op === 'modify' && vol) updateProps(sim, vol, req);
    else if (vol) {
      sim.store.remove(vol.uri);
      updateProps(sim, sg, {
        'storage-volume-uris': list(sg, 'storage-volume-uris').filter((u) => u !== vol.uri),
      });
      inventory(sim, vol, 'remove');
    }
  }
  if (plan.length > 0) refreshGroupState(sim, sg);
  return createdUris;
}

/** The group is `complete` when it has volumes and all of them are; else `pending`. */
export function refreshGroupState(sim: SimContext, sg: Resource): void {
  const vols = sim.store.list(sg.uri, 'storage-volume');
  const complete = vols.length > 0 && vols.every((v) => v.props['fulfillment-state'] === 'complete');
  updateProps(sim, sg, { 'fulfillment-state': complete ? 'complete' : 'pending' });
}

/** Marks a volume fulfilled like the SAN administrator would: LUN, target WWPN, UUID, paths. */
export function fulfillVolume(
  sim: SimContext,
  vol: Resource,
  how: { wwpn?: string; lun?: string; portUri?: string } = {},
): void {
  const sg = sim.store.get(vol.parent);
  if (!sg) return;
  const n = sim.store.list(sg.uri, 'storage-volume').indexOf(vol);
  const lun = (how.lun ?? (0x4000_4000_0000_0000n + BigInt(Math.max(n, 0)) * 0x1_0000_0000n).toString(16))
    .toLowerCase()
    .padStart(16, '0');
  const target = (how.wwpn ?? '500507680b21ac8c').toLowerCase().padStart(16, '0');
  const paths = sim.store.list(sg.uri, 'virtual-storage-resource').map((vsr) => ({
    'partition-uri': vsr.props['partition-uri'],
    'device-number': vsr.props['device-number'],
    'target-world-wide-port-name': target,
    'logical-unit-number': lun,
  }));
  updateProps(sim, vol, {
    'fulfillment-state': 'complete',
    'active-size': vol.props['size'],
    uuid: String(vol.props['uuid'] ?? '') || `600507680c8082${randomUUID().replace(/-/g, '').slice(0, 18)}`,
    paths,
    ...(how.portUri ? { 'boot-adapter-port-uri': how.portUri } : {}),
  });
  refreshGroupState(sim, sg);
}

/** Starts the automatic fulfillment timer of a pending volume (when a delay is configured). */
export function scheduleFulfillment(sim: SimContext, vol: Resource): void {
  const ms = sim.config.fulfillmentDelayMs;
  if (!ms || ms <= 0) return;
  sim.jobs.later(ms, () => {
    const v = sim.store.get(vol.uri);
    if (v && v.props['fulfillment-state'] !== 'complete') fulfillVolume(sim, v);
  });
}

/** Partitions the group is attached to. */
export function attachedPartitions(sim: SimContext, sg: Resource): Resource[] {
  const cpcUri = String(sg.props['cpc-uri']);
  return sim.store.list(cpcUri, 'partition').filter((p) => list(p, 'storage-group-uris').includes(sg.uri));
}

/** VSRs of a partition across all storage groups (they count for its device numbers). */
export function partitionVsrs(store: Store, partitionUri: string): Resource[] {
  const out: Resource[] = [];
  for (const sg of store.roots('storage-group')) {
    for (const v of store.list(sg.uri, 'virtual-storage-resource')) {
      if (v.props['partition-uri'] === partitionUri) out.push(v);
    }
  }
  return out;
}

/** The ports a newly attached partition uses: candidates first, else the CPC's FCP ports. */
function pathPorts(sim: SimContext, sg: Resource): Resource[] {
  let ports = list(sg, 'candidate-adapter-port-uris')
    .map((u) => sim.store.get(u))
    .filter((p): p is Resource => p !== undefined);
  if (ports.length === 0) {
    ports = sim.store
      .list(String(sg.props['cpc-uri']), 'adapter')
      .filter((a) => a.props['adapter-family'] === 'ficon' && a.props['type'] === 'fcp')
      .flatMap((a) => sim.store.list(a.uri, 'storage-port'));
  }
  const want = Math.max(1, Number(sg.props['connectivity'] ?? 1));
  return ports.slice(0, want);
}

/** Creates the VSRs of one partition (one per path): unique virtual WWPN and device number. */
export function createVsrs(sim: SimContext, sg: Resource, partition: Resource): void {
  const uris = list(sg, 'virtual-storage-resource-uris');
  for (const port of pathPorts(sim, sg)) {
    const adapter = sim.store.get(port.parent);
    const id = randomUUID();
    const uri = `${sg.uri}/virtual-storage-resources/${id}`;
    const devno = deviceNumber(sim.store, partition, undefined, undefined, 0x1900);
    const vsr: Resource = {
      uri,
      cls: 'virtual-storage-resource',
      parent: sg.uri,
      props: {
        'element-id': id,
        'element-uri': uri,
        parent: sg.uri,
        class: 'virtual-storage-resource',
        name: `${String(partition.props['name'])}-${String(adapter?.props['name'] ?? 'adapter')}-${String(port.props['index'] ?? 0)}`,
        description: '',
        'device-number': devno,
        'adapter-port-uri': port.uri,
        'partition-uri': partition.uri,
        'world-wide-port-name': wwpn(),
      },
    };
    sim.store.add(vsr);
    uris.push(uri);
    inventory(sim, vsr, 'add');
  }
  updateProps(sim, sg, { 'virtual-storage-resource-uris': uris });
}

/** Removes the VSRs of one partition from a group (detach, partition delete). */
export function removeVsrs(sim: SimContext, sg: Resource, partitionUri: string): void {
  const gone = sim.store
    .list(sg.uri, 'virtual-storage-resource')
    .filter((v) => v.props['partition-uri'] === partitionUri);
  for (const v of gone) {
    sim.store.remove(v.uri);
    inventory(sim, v, 'remove');
  }
  const goneUris = new Set(gone.map((v) => v.uri));
  updateProps(sim, sg, {
    'virtual-storage-resource-uris': list(sg, 'virtual-storage-resource-uris').filter(
      (u) => !goneUris.has(u),
    ),
  });
}

/**
 * Why a partition cannot boot from its `boot-storage-volume`, or undefined when it can. The HMC
 * fails the start job then (409.122 for an unfulfilled volume; 409.1 otherwise: simulator choice).
 */
export function bootVolumeProblem(
  sim: SimContext,
  partition: Resource,
): { reason: number; message: string } | undefined {
  const uri = partition.props['boot-storage-volume'];
  if (typeof uri !== 'string' || uri === '') {
    return { reason: 1, message: "boot-device is 'storage-volume' but no boot-storage-volume is set" };
  }
  const vol = sim.store.get(uri);
  if (!vol || vol.cls !== 'storage-volume')
    return { reason: 1, message: `The boot storage volume ${uri} does not exist` };
  if (!list(partition, 'storage-group-uris').includes(vol.parent)) {
    return {
      reason: 1,
      message: `The storage group of boot volume ${String(vol.props['name'])} is not attached to the partition`,
    };
  }
  if (vol.props['fulfillment-state'] !== 'complete') {
    return { reason: 122, message: `Storage volume ${String(vol.props['name'])} is not fulfilled` };
  }
  return undefined;
}
