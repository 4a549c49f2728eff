// Checks of the desired partition that no CRD schema can make (they span several objects). Pure: a spec that
// fails here is refused with a condition and an Event before any HMC request.
import { normalizeMac } from '../naming.js';
import type { Action, DesiredPartition } from './model.js';

type Blocked = Extract<Action, { kind: 'blocked' }>;

/** The first problem of the desired state, or undefined when the HMC would accept it. */
export function validateDesired(d: DesiredPartition): Blocked | undefined {
  const macs = new Map<string, string>();
  for (const n of d.nics) {
    const mac = normalizeMac(n.mac);
    const other = macs.get(mac);
    if (other) {
      return {
        kind: 'blocked',
        reason: 'DuplicateMac',
        message: `PartitionNic ${n.crName} spec.mac ${mac} is also the MAC of PartitionNic ${other}`,
      };
    }
    macs.set(mac, n.crName);
  }
  const devnos = new Map<number, string>();
  const devices = [
    ...d.hbas.map((h) => ({ what: `PartitionHba ${h.crName}`, devno: h.deviceNumber })),
    ...d.nics.map((n) => ({ what: `PartitionNic ${n.crName}`, devno: n.deviceNumber })),
  ];
  for (const { what, devno } of devices) {
    if (devno === undefined) continue;
    const n = parseInt(devno, 16);
    const other = devnos.get(n);
    if (other) {
      return {
        kind: 'blocked',
        reason: 'DuplicateDeviceNumber',
        message: `${what} spec.deviceNumber ${devno} is also the device number of ${other}`,
      };
    }
    devnos.set(n, what);
  }
  if (d.boot.type === 'FcpVolume') {
    const sel = d.boot.hba;
    if ('crName' in sel && !d.hbas.some((h) => h.crName === sel.crName)) {
      return {
        kind: 'blocked',
        reason: 'BootHbaNotFound',
        message: `spec.boot.fcpVolume.hbaRef.name: no PartitionHba ${sel.crName} references this partition`,
      };
    }
    if ('adapterPortUri' in sel && !d.hbas.some((h) => h.adapterPortUri === sel.adapterPortUri)) {
      return {
        kind: 'blocked',
        reason: 'BootHbaNotFound',
        message: `spec.boot.fcpVolume.adapterPort: no PartitionHba of this partition uses ${sel.adapterPortUri}`,
      };
    }
  }
  return undefined;
}
