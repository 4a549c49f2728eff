// Partition creation and lookup shared by the routes and the seed loader.
import { randomUUID } from 'node:crypto';
import { badRequest, conflict, notFound } from './errors.js';
import { partitionDefaults, WRITE_ONLY } from './partition-schema.js';
import type { SimContext } from './context.js';
import type { Resource, Store } from './store.js';
import type { Props } from './types.js';

export function getPartition(sim: SimContext, id: string): Resource {
  const uri = `/api/partitions/${id}`;
  const r = sim.store.get(uri);
  if (!r || r.cls !== 'partition') throw notFound(uri);
  return r;
}

/** Adds a partition with the HMC's defaults; `props` may carry a fixed `object-id` (seed). */
export function addPartition(store: Store, cpc: Resource, props: Props): Resource {
  const id = typeof props['object-id'] === 'string' ? props['object-id'] : randomUUID();
  const uri = `/api/partitions/${id}`;
  const all: Props = {
    ...partitionDefaults(),
    'short-name': `P${id.replace(/-/g, '').slice(0, 7).toUpperCase()}`,
    'partition-id': null,
    status: 'stopped',
    // The partition's firmware features are the CPC's (read-only).
    'available-features-list': structuredClone(cpc.props['available-features-list'] ?? []),
    ...props,
    'object-id': id,
    'object-uri': uri,
    parent: cpc.uri,
    class: 'partition',
  };
  const acceptable = all['acceptable-status'];
  all['has-unacceptable-status'] = Array.isArray(acceptable) ? !acceptable.includes(all['status']) : false;
  const r: Resource = { uri, cls: 'partition', parent: cpc.uri, props: all };
  store.add(r);
  return r;
}

/** Properties as GET returns them (write-only ones removed). */
export function partitionView(r: Resource): Props {
  const out: Props = {};
  for (const [k, v] of Object.entries(r.props)) if (!WRITE_ONLY.has(k)) out[k] = v;
  return out;
}

/** 400.8 when another partition of the CPC has this name. */
export function checkUniqueName(store: Store, cpcUri: string, name: string, self?: Resource): void {
  const other = store.findByName(cpcUri, 'partition', name);
  if (other && other !== self) throw badRequest(8, `A partition named '${name}' already exists on the CPC`);
}

/** 400.7 when initial-memory exceeds maximum-memory. */
export function checkMemory(props: Props): void {
  const init = props['initial-memory'];
  const max = props['maximum-memory'];
  if (typeof init === 'number' && typeof max === 'number' && init > max) {
    throw badRequest(7, `initial-memory (${init}) must not exceed maximum-memory (${max})`);
  }
}

/** 409.1 unless the partition status is one of `allowed`. */
export function requireStatus(r: Resource, allowed: readonly string[], op: string): void {
  const status = String(r.props['status']);
  if (!allowed.includes(status)) {
    throw conflict(
      1,
      `The operation '${op}' cannot be performed because partition ${String(r.props['name'])} is ${status}`,
    );
  }
}

/** 409.1 while the partition is starting or stopping (also for its NICs and HBAs). */
export function requireNotTransitioning(r: Resource, op: string): void {
  const status = String(r.props['status']);
  if (status === 'starting' || status === 'stopping') {
    throw conflict(
      1,
      `The operation '${op}' cannot be performed while partition ${String(r.props['name'])} is ${status}`,
    );
  }
}
