// oslo.versionedobjects primitives (pure): reading the Nova objects a compute driver needs and
// writing changed copies of them.
import { CodecError } from './errors.js';
import { isRecord } from './codec.js';

export const NOVA_NAMESPACE = 'nova';

export interface NovaObjectPrimitive {
  'nova_object.name': string;
  'nova_object.namespace': string;
  'nova_object.version': string;
  'nova_object.data': Record<string, unknown>;
  'nova_object.changes'?: string[];
}

/**
 * Object versions we write when we create objects ourselves (Zed level: every conductor since Zed
 * reads them). Objects received from Nova are echoed at the version they came in.
 */
export const OBJECT_VERSIONS: Readonly<Record<string, string>> = {
  Instance: '2.7',
  InstanceList: '2.6',
  Service: '1.22',
  ComputeNode: '1.19',
  InstanceFault: '1.2',
  InstanceInfoCache: '1.5',
  Flavor: '1.2',
  BlockDeviceMapping: '1.21',
  BlockDeviceMappingList: '1.18',
};

export function isNovaObject(v: unknown): v is NovaObjectPrimitive {
  return isRecord(v) && typeof v['nova_object.name'] === 'string' && isRecord(v['nova_object.data']);
}

/** The data of an object primitive, checking its name when `name` is given. */
export function objectData(v: unknown, name?: string): Record<string, unknown> {
  if (!isNovaObject(v)) throw new CodecError(`expected a ${name ?? 'Nova'} object primitive`);
  if (name && v['nova_object.name'] !== name)
    throw new CodecError(`expected a ${name} object, got ${v['nova_object.name']}`);
  return v['nova_object.data'];
}

/** A new primitive of `name` (our own objects, e.g. Service, ComputeNode, InstanceFault). */
export function makeObject(
  name: string,
  data: Record<string, unknown>,
  changes: string[] = Object.keys(data),
  version = OBJECT_VERSIONS[name] ?? '1.0',
): NovaObjectPrimitive {
  return {
    'nova_object.name': name,
    'nova_object.namespace': NOVA_NAMESPACE,
    'nova_object.version': version,
    'nova_object.data': data,
    'nova_object.changes': changes,
  };
}

/**
 * A copy of `obj` with `updates` applied and listed as its only changes (what the conductor saves).
 * Nested objects are kept as they are, without their own change lists.
 */
export function withChanges(obj: NovaObjectPrimitive, updates: Record<string, unknown>): NovaObjectPrimitive {
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries({ ...obj['nova_object.data'], ...updates }))
    data[k] = isNovaObject(v) ? withoutChanges(v) : v;
  return { ...obj, 'nova_object.data': data, 'nova_object.changes': Object.keys(updates) };
}

function withoutChanges(obj: NovaObjectPrimitive): NovaObjectPrimitive {
  const { 'nova_object.changes': _ignored, ...rest } = obj;
  return rest;
}

/** Applies the `updates` dict the conductor returns from object_action (drops `obj_what_changed`). */
export function applyUpdates(obj: NovaObjectPrimitive, updates: unknown): NovaObjectPrimitive {
  if (!isRecord(updates)) return obj;
  const { obj_what_changed: _ignored, ...fields } = updates;
  const { 'nova_object.changes': _c, ...rest } = obj;
  return { ...rest, 'nova_object.data': { ...obj['nova_object.data'], ...fields } };
}

// ---------------------------------------------------------------------------------------------
// What the driver reads

export interface Vif {
  id: string;
  mac: string;
  type: string;
  /** details.object_id: the HMC virtual switch object-id (dpm_vswitch). */
  vswitchObjectId?: string;
  vlan?: number;
}

export interface InstanceView {
  uuid: string;
  displayName?: string;
  host?: string;
  node?: string;
  vcpus: number;
  memoryMb: number;
  vmState?: string;
  taskState?: string | null;
  powerState?: number;
  vifs: Vif[];
}

/** Reads the fields a driver needs from an Instance primitive (flavor, network info). */
export function readInstance(v: unknown): InstanceView {
  const d = objectData(v, 'Instance');
  const uuid = d.uuid;
  if (typeof uuid !== 'string') throw new CodecError('Instance without uuid');
  const flavor = d.flavor !== undefined && d.flavor !== null ? objectData(d.flavor, 'Flavor') : {};
  const vcpus = num(flavor.vcpus ?? d.vcpus);
  const memoryMb = num(flavor.memory_mb ?? d.memory_mb);
  let vifs: Vif[] = [];
  if (isNovaObject(d.info_cache)) {
    const nwInfo = d.info_cache['nova_object.data'].network_info;
    vifs = readNetworkInfo(nwInfo);
  }
  return {
    uuid,
    displayName: typeof d.display_name === 'string' ? d.display_name : undefined,
    host: typeof d.host === 'string' ? d.host : undefined,
    node: typeof d.node === 'string' ? d.node : undefined,
    vcpus,
    memoryMb,
    vmState: typeof d.vm_state === 'string' ? d.vm_state : undefined,
    taskState: (d.task_state as string | null | undefined) ?? null,
    powerState: typeof d.power_state === 'number' ? d.power_state : undefined,
    vifs,
  };
}

/** InstanceInfoCache.network_info: a JSON string (or already a list) of VIFs. */
export function readNetworkInfo(v: unknown): Vif[] {
  const list: unknown = typeof v === 'string' ? JSON.parse(v || '[]') : (v ?? []);
  if (!Array.isArray(list)) throw new CodecError('network_info is not a list');
  return list.map((raw: unknown) => {
    if (!isRecord(raw)) throw new CodecError('VIF is not an object');
    const details = isRecord(raw.details) ? raw.details : {};
    const vlan = details.vlan;
    return {
      id: String(raw.id),
      mac: String(raw.address),
      type: String(raw.type),
      vswitchObjectId: typeof details.object_id === 'string' ? details.object_id : undefined,
      vlan: vlan === undefined || vlan === null ? undefined : Number(vlan),
    };
  });
}

export interface FcConnection {
  targetLun: number | string;
  targetWwns: string[];
  initiatorTargetMap?: Record<string, string[]>;
}

export interface BdmView {
  bootIndex: number | null;
  volumeId?: string;
  /** The cinder attachment nova-api created; the compute host completes it (connection_info null). */
  attachmentId?: string;
  /** Size of the volume in GiB (volume_size), when nova sent it. */
  sizeGiB?: number;
  /** The BlockDeviceMapping object as received (for BlockDeviceMapping.save). */
  primitive?: NovaObjectPrimitive;
  driverVolumeType?: string;
  fc?: FcConnection;
}

/** Reads a BlockDeviceMappingList (or a list of BlockDeviceMapping primitives). */
export function readBlockDeviceMappings(v: unknown): BdmView[] {
  if (v === null || v === undefined) return [];
  let items: unknown[];
  if (isNovaObject(v)) items = (v['nova_object.data'].objects as unknown[] | undefined) ?? [];
  else if (Array.isArray(v)) items = v;
  else throw new CodecError('block_device_mapping is not a list');
  return items.map((item) => {
    const d = objectData(item, 'BlockDeviceMapping');
    const bootIndex = d.boot_index === null || d.boot_index === undefined ? null : Number(d.boot_index);
    const view: BdmView = {
      bootIndex,
      volumeId: typeof d.volume_id === 'string' ? d.volume_id : undefined,
      attachmentId: typeof d.attachment_id === 'string' ? d.attachment_id : undefined,
      sizeGiB: typeof d.volume_size === 'number' && d.volume_size > 0 ? d.volume_size : undefined,
      primitive: isNovaObject(item) ? item : undefined,
    };
    const ciRaw = d.connection_info;
    if (typeof ciRaw === 'string' && ciRaw !== '' && ciRaw !== 'null') {
      const ci: unknown = JSON.parse(ciRaw);
      if (isRecord(ci)) {
        view.driverVolumeType = typeof ci.driver_volume_type === 'string' ? ci.driver_volume_type : undefined;
        const data = isRecord(ci.data) ? ci.data : {};
        if (view.driverVolumeType === 'fibre_channel') view.fc = readFc(data);
      }
    }
    return view;
  });
}

function readFc(data: Record<string, unknown>): FcConnection {
  const wwn = data.target_wwn ?? data.target_wwns;
  const targetWwns = Array.isArray(wwn) ? wwn.map(String) : typeof wwn === 'string' ? [wwn] : [];
  const itm = isRecord(data.initiator_target_map)
    ? Object.fromEntries(
        Object.entries(data.initiator_target_map).map(([k, t]) => [k, Array.isArray(t) ? t.map(String) : []]),
      )
    : undefined;
  const lun = data.target_lun ?? (Array.isArray(data.target_luns) ? data.target_luns[0] : undefined);
  if (typeof lun !== 'number' && typeof lun !== 'string')
    throw new CodecError('FC connection without target_lun');
  return { targetLun: lun, targetWwns, initiatorTargetMap: itm };
}

function num(v: unknown): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new CodecError(`expected a number, got ${String(v)}`);
  return n;
}

/** One entry of a NetworkRequestList: a network to put a new port on, or an existing port. */
export interface NetworkRequestView {
  networkId?: string;
  portId?: string;
}

/** Reads `requested_networks` (NetworkRequestList); `none`/`auto` requests yield no entry. */
export function readRequestedNetworks(v: unknown): NetworkRequestView[] {
  if (v === null || v === undefined) return [];
  const items = isNovaObject(v) ? ((v['nova_object.data'].objects as unknown[] | undefined) ?? []) : [];
  const out: NetworkRequestView[] = [];
  for (const item of items) {
    const d = objectData(item, 'NetworkRequest');
    const portId = typeof d.port_id === 'string' && d.port_id ? d.port_id : undefined;
    const networkId = typeof d.network_id === 'string' && d.network_id ? d.network_id : undefined;
    if (portId) out.push({ portId });
    else if (networkId && networkId !== 'none' && networkId !== 'auto') out.push({ networkId });
  }
  return out;
}
