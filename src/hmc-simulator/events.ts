// Helpers that change resources AND emit the matching HMC notification.
import type { SimContext } from './context.js';
import type { Resource } from './store.js';
import type { Props } from './types.js';

/** Notification headers identifying a resource (object or element). */
export function identity(r: Resource, sim: SimContext): Record<string, string> {
  const p = r.props;
  const name = typeof p['name'] === 'string' ? p['name'] : undefined;
  if (typeof p['element-uri'] === 'string') {
    const parent = sim.store.get(r.parent);
    return {
      class: r.cls,
      'object-uri': parent?.uri ?? r.parent,
      'object-id': String(parent?.props['object-id'] ?? ''),
      'element-uri': p['element-uri'],
      'element-id': String(p['element-id']),
      ...(name === undefined ? {} : { name }),
    };
  }
  return {
    class: r.cls,
    'object-uri': r.uri,
    'object-id': String(p['object-id']),
    ...(name === undefined ? {} : { name }),
  };
}

/** Sets `status` and publishes a status-change notification. */
export function setStatus(sim: SimContext, r: Resource, status: string): void {
  if (r.props['status'] === status) return;
  r.props['status'] = status;
  const acceptable = (r.props['acceptable-status'] as string[] | undefined) ?? ['active'];
  const unacceptable = !acceptable.includes(status);
  r.props['has-unacceptable-status'] = unacceptable;
  sim.hub.publishObject({
    type: 'status-change',
    headers: identity(r, sim),
    body: {
      'change-reports': [
        { 'new-status': status, 'new-additional-status': '', 'has-unacceptable-status': unacceptable },
      ],
    },
  });
}

/** Applies property changes and publishes one property-change notification for those that differ. */
export function updateProps(sim: SimContext, r: Resource, changes: Props): void {
  const reports: Props[] = [];
  for (const [k, v] of Object.entries(changes)) {
    const old = r.props[k];
    if (JSON.stringify(old) === JSON.stringify(v)) continue;
    if (k === 'name' && typeof v === 'string') sim.store.rename(r, v);
    else r.props[k] = v;
    reports.push({ 'property-name': k, 'old-value': old ?? null, 'new-value': v });
  }
  if (reports.length === 0) return;
  sim.hub.publishObject({
    type: 'property-change',
    headers: identity(r, sim),
    body: { 'change-reports': reports },
  });
}

/** Publishes inventory-change add/remove for a resource. */
export function inventory(sim: SimContext, r: Resource, action: 'add' | 'remove'): void {
  sim.hub.publishObject({ type: 'inventory-change', headers: { ...identity(r, sim), action } });
}
