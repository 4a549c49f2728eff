// Partition links (HMC 2.16, /api/partition-links): HiperSockets and SMC-D links connect
// partitions through "bus connections" (HiperSockets ones also create NIC elements in the
// partition); CTC links connect every pair of their partitions over FICON paths ("devices").
import { randomUUID } from 'node:crypto';
import { badRequest, notFound } from './errors.js';
import { inventory, updateProps } from './events.js';
import { deviceNumber } from './devices.js';
import type { SimContext } from './context.js';
import type { Resource } from './store.js';
import type { Props } from './types.js';

export interface NicSpec {
  'device-numbers'?: string[];
  'vlan-id'?: number | null;
  fid?: number;
}
interface BusNic {
  'device-numbers': string[];
  'nic-uri'?: string;
  'vlan-id'?: number | null;
  fid?: number;
}
export interface BusConnection {
  'partition-uri': string;
  nics: BusNic[];
}
interface CtcDevice {
  'device-number': string;
  'endpoint-pair': { 'partition-uri': string; 'device-number': string }[];
}
export interface CtcPath {
  'adapter-port-uri': string;
  'connecting-adapter-port-uri': string;
  devices: CtcDevice[];
}

export function getPartitionLink(sim: SimContext, id: string): Resource {
  const uri = `/api/partition-links/${id}`;
  const r = sim.store.get(uri);
  if (!r || r.cls !== 'partition-link') throw notFound(uri);
  return r;
}

const connections = (pl: Resource): BusConnection[] => (pl.props['bus-connections'] as BusConnection[]) ?? [];
const ctcPartitions = (pl: Resource): string[] => (pl.props['partitions'] as string[]) ?? [];

/** The partitions a link is attached to. */
export function linkPartitions(pl: Resource): string[] {
  return pl.props['type'] === 'ctc' ? ctcPartitions(pl) : connections(pl).map((c) => c['partition-uri']);
}

function partition(sim: SimContext, pl: Resource, uri: unknown): Resource {
  const p = typeof uri === 'string' ? sim.store.get(uri) : undefined;
  if (!p || p.cls !== 'partition') throw notFound(String(uri));
  if (p.parent !== pl.props['cpc-uri'])
    throw badRequest(7, `Partition ${String(uri)} is not on the link's CPC`);
  return p;
}

/** Attaches a partition to a HiperSockets / SMC-D link with `count` NICs. */
export function addBusConnection(
  sim: SimContext,
  pl: Resource,
  partUri: unknown,
  count: number,
  specs: NicSpec[],
): void {
  const p = partition(sim, pl, partUri);
  if (linkPartitions(pl).includes(p.uri))
    throw badRequest(7, `Partition ${p.uri} is already attached to the link`);
  const nics: BusNic[] = [];
  for (let i = 0; i < Math.max(count, specs.length, 1); i++) {
    const spec = specs[i] ?? {};
    const devno = deviceNumber(sim.store, p, spec['device-numbers']?.[0]);
    const nic: BusNic = { 'device-numbers': [devno] };
    if (spec['vlan-id'] !== undefined) nic['vlan-id'] = spec['vlan-id'];
    if (spec.fid !== undefined) nic.fid = spec.fid;
    if (pl.props['type'] === 'hipersockets')
      nic['nic-uri'] = addLinkNic(sim, pl, p, devno, spec['vlan-id'] ?? null);
    nics.push(nic);
  }
  pl.props['bus-connections'] = [...connections(pl), { 'partition-uri': p.uri, nics }];
}

/** A HiperSockets link NIC in the partition (type iqd), as the HMC creates it. */
function addLinkNic(sim: SimContext, pl: Resource, p: Resource, devno: string, vlan: number | null): string {
  const id = randomUUID();
  const uri = `${p.uri}/nics/${id}`;
  const nic: Resource = {
    uri,
    cls: 'nic',
    parent: p.uri,
    props: {
      'element-id': id,
      'element-uri': uri,
      parent: p.uri,
      class: 'nic',
      name: `${String(pl.props['name'])}-${devno}`.slice(0, 64),
      description: '',
      type: 'iqd',
      'device-number': devno,
      'partition-link-uri': pl.uri,
      'vlan-id': vlan,
      'vlan-type': null,
      'mac-address': null,
      'ssc-management-nic': false,
    },
  };
  sim.store.add(nic);
  updateProps(sim, p, { 'nic-uris': [...((p.props['nic-uris'] as string[]) ?? []), uri] });
  inventory(sim, nic, 'add');
  return uri;
}

/** Detaches a partition; HiperSockets link NICs are deleted with the connection. */
export function removeConnection(sim: SimContext, pl: Resource, partUri: string): boolean {
  if (pl.props['type'] === 'ctc') {
    if (!ctcPartitions(pl).includes(partUri)) return false;
    pl.props['partitions'] = ctcPartitions(pl).filter((u) => u !== partUri);
    rebuildCtcDevices(pl);
    return true;
  }
  const conn = connections(pl).find((c) => c['partition-uri'] === partUri);
  if (!conn) return false;
  const p = sim.store.get(partUri);
  for (const n of conn.nics) {
    if (!n['nic-uri'] || !p) continue;
    const nic = sim.store.get(n['nic-uri']);
    if (!nic) continue;
    sim.store.remove(nic.uri);
    updateProps(sim, p, {
      'nic-uris': ((p.props['nic-uris'] as string[]) ?? []).filter((u) => u !== nic.uri),
    });
    inventory(sim, nic, 'remove');
  }
  pl.props['bus-connections'] = connections(pl).filter((c) => c !== conn);
  return true;
}

/** CTC: one device per pair of partitions on every path (device numbers from 4000 per link). */
export function rebuildCtcDevices(pl: Resource): void {
  const parts = ctcPartitions(pl);
  let n = 0x4000;
  const hex = (): string => (n++).toString(16).toUpperCase();
  pl.props['paths'] = ((pl.props['paths'] as CtcPath[]) ?? []).map((path) => {
    const devices: CtcDevice[] = [];
    for (let i = 0; i < parts.length; i++) {
      for (let j = i + 1; j < parts.length; j++) {
        const a = hex();
        const b = hex();
        devices.push({
          'device-number': a,
          'endpoint-pair': [
            { 'partition-uri': parts[i] ?? '', 'device-number': a },
            { 'partition-uri': parts[j] ?? '', 'device-number': b },
          ],
        });
      }
    }
    return { ...path, devices };
  });
}

/** CTC: adds partitions (validated) and recomputes the devices. */
export function addCtcPartitions(sim: SimContext, pl: Resource, uris: unknown[]): void {
  const parts = ctcPartitions(pl);
  for (const u of uris) {
    const p = partition(sim, pl, u);
    if (!parts.includes(p.uri)) parts.push(p.uri);
  }
  pl.props['partitions'] = parts;
  rebuildCtcDevices(pl);
}

/** CTC paths from the create body: each end must be a FICON (fc) adapter or one of its ports. */
export function ctcPaths(sim: SimContext, paths: unknown): CtcPath[] {
  if (!Array.isArray(paths) || paths.length === 0) throw badRequest(5, "A CTC partition link needs 'paths'");
  return (paths as Props[]).map((p) => {
    for (const k of ['adapter-port-uri', 'connecting-adapter-port-uri']) {
      const uri = String(p[k] ?? '');
      const r = sim.store.get(uri);
      const adapter = r?.cls === 'adapter' ? r : r ? sim.store.get(r.parent) : undefined;
      if (!adapter || adapter.props['type'] !== 'fc')
        throw badRequest(7, `'${k}' ${uri} is not a FICON (fc) adapter`);
    }
    return {
      'adapter-port-uri': String(p['adapter-port-uri']),
      'connecting-adapter-port-uri': String(p['connecting-adapter-port-uri']),
      devices: [],
    };
  });
}

/** Removes a deleted partition from every link (no NIC cleanup needed: they go with it). */
export function forgetPartition(sim: SimContext, partUri: string): void {
  for (const pl of sim.store.roots('partition-link')) {
    if (pl.props['type'] === 'ctc') {
      if (ctcPartitions(pl).includes(partUri)) {
        pl.props['partitions'] = ctcPartitions(pl).filter((u) => u !== partUri);
        rebuildCtcDevices(pl);
      }
    } else {
      pl.props['bus-connections'] = connections(pl).filter((c) => c['partition-uri'] !== partUri);
    }
  }
}
