// Device numbers (4 hex digits, unique per partition across NICs, HBAs and the virtual storage
// resources of attached storage groups) and generated MAC addresses / WWPNs.
import { randomBytes } from 'node:crypto';
import { badRequest } from './errors.js';
import type { Resource, Store } from './store.js';

function usedDeviceNumbers(store: Store, partition: Resource, except?: Resource): Set<number> {
  const used = new Set<number>();
  for (const cls of ['nic', 'hba'] as const) {
    for (const d of store.list(partition.uri, cls)) {
      if (d !== except) used.add(parseInt(String(d.props['device-number']), 16));
    }
  }
  for (const sg of store.roots('storage-group')) {
    for (const v of store.list(sg.uri, 'virtual-storage-resource')) {
      if (v !== except && v.props['partition-uri'] === partition.uri) {
        used.add(parseInt(String(v.props['device-number']), 16));
      }
    }
  }
  return used;
}

/** The given device number (validated, 400.7 / 400.8) or the lowest free one from `from` (0001). */
export function deviceNumber(
  store: Store,
  partition: Resource,
  wanted: unknown,
  self?: Resource,
  from = 1,
): string {
  const used = usedDeviceNumbers(store, partition, self);
  if (wanted !== undefined) {
    if (typeof wanted !== 'string' || !/^[0-9A-Fa-f]{4}$/.test(wanted)) {
      throw badRequest(7, "The value of field 'device-number' must be 4 hexadecimal digits");
    }
    if (used.has(parseInt(wanted, 16))) {
      throw badRequest(8, `The device number ${wanted} is already used in the partition`);
    }
    return wanted.toUpperCase();
  }
  for (let n = from; n <= 0xffff; n++) {
    if (!used.has(n)) return n.toString(16).toUpperCase().padStart(4, '0');
  }
  throw badRequest(7, 'No free device number');
}

/** A locally administered unicast MAC address. */
export function macAddress(): string {
  const b = randomBytes(5);
  return ['02', ...[...b].map((x) => x.toString(16).padStart(2, '0'))].join(':');
}

let wwpnCounter = 0;
const wwpnBase = randomBytes(3).toString('hex');

/**
 * A server-assigned NPIV WWPN: 16 hex digits (IBM prefix c05076, a per-process random part and a
 * counter), so unique within a process and, with overwhelming probability, across restarts.
 */
export function wwpn(): string {
  wwpnCounter = (wwpnCounter + 1) % 0x10000;
  return `c05076${wwpnBase}${wwpnCounter.toString(16).padStart(4, '0')}`;
}
