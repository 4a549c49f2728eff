// Nova request -> desired dpm-operator resources (pure). One Partition per instance (named by the
// instance uuid) and one PartitionNic per VIF; FCP storage by the CpcSubset's storage model: one
// PartitionHba per storage adapter port (z13), or one StorageGroup of the instance whose boot volume is
// the cinder volume (z14 and later).
import { API_GROUP_VERSION, type AdapterPort } from '../crds/common.js';
import type { FcpVolumeBoot, PartitionSpec } from '../crds/partition.js';
import type { StorageGroupSpec } from '../crds/storagegroup.js';
import { TranslateError } from './errors.js';
import type { BdmView, FcConnection, InstanceView } from './objects.js';

/** Label on every object the bridge creates: the Nova instance uuid. Nothing else is touched. */
export const LABEL_INSTANCE = 'dpm.operator.dev/nova-instance';
/** Label: the compute host (CpcSubset name) that created the object. */
export const LABEL_HOST = 'dpm.operator.dev/nova-host';
/** A NIC is a line of `boot-os-specific-parameters` (256 characters): at most 12 NICs (nova-dpm). */
export const MAX_NICS = 12;
export const VIF_TYPE_DPM = 'dpm_vswitch';

export interface SubsetView {
  name: string;
  storageAdapterPorts: AdapterPort[];
  targetWwpnIgnoreList: string[];
  /** CpcSubset status.storageModel: StorageGroups (z14 and later) or Hbas (z13; also while unknown). */
  storageModel?: 'StorageGroups' | 'Hbas';
}

/** The name of the boot volume in the instance's StorageGroup. */
export const BOOT_VOLUME = 'boot';

export interface ChildObject<S> {
  apiVersion: typeof API_GROUP_VERSION;
  kind: string;
  metadata: { name: string; labels: Record<string, string> };
  spec: S;
}

export interface DesiredResources {
  partition: ChildObject<Omit<PartitionSpec, 'updateStrategy'>>;
  hbas: ChildObject<{ partitionRef: { name: string }; adapterPort: AdapterPort }>[];
  nics: ChildObject<{
    partitionRef: { name: string };
    virtualSwitch: { objectId: string };
    mac: string;
    port: number;
  }>[];
  /** The instance's storage group (storage model StorageGroups); the partition lists and boots from it. */
  storageGroup?: ChildObject<Omit<StorageGroupSpec, 'maxPartitions' | 'shared'>>;
  /** True when the boot target needs the HBAs' WWPNs first (the partition is created Stopped). */
  bootPending: boolean;
}

export function hbaName(uuid: string, i: number): string {
  return `${uuid}-hba-${i}`;
}
export function storageGroupName(uuid: string): string {
  return `${uuid}-storage`;
}
export function nicName(uuid: string, i: number): string {
  return `${uuid}-nic-${i}`;
}

export function labelsFor(uuid: string, host: string): Record<string, string> {
  return { [LABEL_INSTANCE]: uuid, [LABEL_HOST]: host };
}

/**
 * The resources of an instance. The Partition is always created Stopped: the bridge sets it Active only
 * once the operator reports every NIC and HBA on the HMC (separate CRs reach the operator through separate
 * watches; starting early would boot the guest without all its NIC kernel parameters). `hbaWwpns` (HBA
 * name -> WWPN, from Partition status) lets the boot target be chosen through the volume's
 * initiator_target_map; without it such a volume yields `bootPending` (boot None until the WWPNs are known).
 * Throws TranslateError for requests DPM cannot serve.
 */
export function translateBuild(input: {
  instance: InstanceView;
  bdms: BdmView[];
  subset: SubsetView;
  hbaWwpns?: Record<string, string>;
}): DesiredResources {
  const { instance, subset } = input;
  const uuid = instance.uuid;
  const labels = labelsFor(uuid, subset.name);
  if (instance.vcpus < 1) throw new TranslateError('InvalidRequest', 'the flavor has no vcpus');
  if (instance.memoryMb < 512)
    throw new TranslateError('InvalidRequest', 'DPM partitions need memory_mb >= 512');
  if (instance.vifs.length > MAX_NICS)
    throw new TranslateError(
      'InvalidRequest',
      `at most ${MAX_NICS} network interfaces are supported, got ${instance.vifs.length}`,
    );
  const ports = subset.storageAdapterPorts;
  if (ports.length === 0)
    throw new TranslateError(
      'InvalidRequest',
      `CpcSubset ${subset.name} has no storageAdapterPorts to boot from`,
    );
  const groups = subset.storageModel === 'StorageGroups';
  const hbaNames = groups ? [] : ports.map((_, i) => hbaName(uuid, i));
  const volume = bootVolume(input.bdms);
  const boot =
    volume === 'attach' || groups
      ? 'pending'
      : resolveBoot(volume, hbaNames, subset.targetWwpnIgnoreList, input.hbaWwpns);
  const partitionRef = { name: uuid };
  const sgName = storageGroupName(uuid);
  const storage: Pick<PartitionSpec, 'boot' | 'storageGroups'> = groups
    ? {
        storageGroups: [{ storageGroupRef: { name: sgName } }],
        boot: {
          type: 'StorageVolume',
          storageVolume: { storageGroupRef: { name: sgName }, volume: BOOT_VOLUME },
        },
      }
    : { boot: boot === 'pending' ? { type: 'None' } : { type: 'FcpVolume', fcpVolume: boot } };
  return {
    partition: {
      apiVersion: API_GROUP_VERSION,
      kind: 'Partition',
      metadata: { name: uuid, labels },
      spec: {
        cpcSubsetRef: { name: subset.name },
        description: `Nova instance ${instance.displayName ?? uuid}`,
        processors: { ifls: instance.vcpus, mode: 'Shared' },
        memory: { initialMiB: instance.memoryMb, maximumMiB: instance.memoryMb },
        powerState: 'Stopped',
        ...storage,
        deletionPolicy: 'Delete',
      },
    },
    ...(groups
      ? { storageGroup: instanceStorageGroup(uuid, labels, subset, bootVolumeSize(input.bdms)) }
      : {}),
    hbas: hbaNames.map((name, i) => ({
      apiVersion: API_GROUP_VERSION,
      kind: 'PartitionHba',
      metadata: { name, labels },
      spec: {
        partitionRef,
        adapterPort: { adapterObjectId: ports[i]!.adapterObjectId, port: ports[i]!.port },
      },
    })),
    nics: instance.vifs.map((vif, i) => {
      if (vif.type !== VIF_TYPE_DPM)
        throw new TranslateError(
          'InvalidRequest',
          `VIF ${vif.id} has type ${vif.type}; only ${VIF_TYPE_DPM} is supported`,
        );
      if (!vif.vswitchObjectId)
        throw new TranslateError('InvalidRequest', `VIF ${vif.id} has no details.object_id (virtual switch)`);
      if (vif.vlan !== undefined)
        throw new TranslateError(
          'InvalidRequest',
          `VIF ${vif.id} has VLAN ${vif.vlan}; only flat networks are supported`,
        );
      return {
        apiVersion: API_GROUP_VERSION,
        kind: 'PartitionNic',
        metadata: { name: nicName(uuid, i), labels },
        spec: {
          partitionRef,
          virtualSwitch: { objectId: vif.vswitchObjectId },
          mac: vif.mac.toLowerCase(),
          port: 0,
        },
      };
    }),
    bootPending: !groups && boot === 'pending',
  };
}

/**
 * The instance's StorageGroup: owned by the operator on the subset's CPC, not shared, two paths through
 * the subset's storage adapter ports, one boot volume the size of the cinder volume. The bridge writes the
 * volume's fcpFulfillment from the cinder connection info once the group is attached.
 */
function instanceStorageGroup(
  uuid: string,
  labels: Record<string, string>,
  subset: SubsetView,
  sizeGiB: number,
): NonNullable<DesiredResources['storageGroup']> {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'StorageGroup',
    metadata: { name: storageGroupName(uuid), labels },
    spec: {
      cpcSubsetRef: { name: subset.name },
      description: `Nova instance ${uuid}`,
      connectivity: 2,
      volumes: [{ name: BOOT_VOLUME, sizeGiB, usage: 'boot' }],
      candidateAdapterPorts: subset.storageAdapterPorts.map((p) => ({
        adapterObjectId: p.adapterObjectId,
        port: p.port,
      })),
      deletionPolicy: 'Delete',
    },
  };
}

/** The boot volume's size in GiB (nova's volume_size; 1 when nova did not send it). */
function bootVolumeSize(bdms: BdmView[]): number {
  const boot = bdms.find((b) => b.bootIndex === 0) ?? bdms[0];
  return boot?.sizeGiB ?? 1;
}

/** A storage group path of the partition, as the operator reports it (Partition status.storageGroups). */
export interface StoragePathView {
  wwpn: string;
  /** `/api/adapters/{id}/storage-ports/{n}`. */
  adapterPortUri: string;
}

export interface FcpFulfillmentView {
  targetWwpn: string;
  lun: string;
  adapterPort: AdapterPort;
}

/**
 * Where the boot volume is, from cinder's connection info and the partition's paths (nova-dpm's rule, as
 * resolveBoot): with an initiator_target_map, the first path (in status order) whose virtual WWPN is an
 * initiator with a target not in the ignore list, booting through that path's adapter port; otherwise
 * the first path and the first usable target_wwn. The LUN is the 8-byte FCP LUN.
 */
export function resolveFulfillment(
  fc: FcConnection,
  paths: StoragePathView[],
  ignoreList: string[],
): FcpFulfillmentView {
  if (paths.length === 0)
    throw new TranslateError('InvalidRequest', 'the partition has no storage path with a WWPN yet');
  const names = paths.map((_, i) => String(i));
  const wwpns = Object.fromEntries(paths.map((p, i) => [String(i), p.wwpn]));
  const boot = resolveBoot(fc, names, ignoreList, wwpns);
  const path = boot === 'pending' ? undefined : paths[Number(boot.hbaRef?.name)];
  if (boot === 'pending' || !path)
    throw new TranslateError('InvalidRequest', 'the partition has no storage path with a WWPN yet');
  return { targetWwpn: boot.targetWwpn, lun: boot.lun, adapterPort: adapterPortOf(path.adapterPortUri) };
}

/** `/api/adapters/{id}/storage-ports/{n}` -> {adapterObjectId, port}. */
export function adapterPortOf(uri: string): AdapterPort {
  const m = /^\/api\/adapters\/([^/]+)\/storage-ports\/(\d+)$/.exec(uri);
  if (!m) throw new TranslateError('InvalidRequest', `not an FCP adapter port URI: ${uri}`);
  return { adapterObjectId: m[1]!, port: Number(m[2]) };
}

/**
 * The FC volume to boot from: boot_index 0 (or the first volume with FC connection info); 'attach'
 * when the boot volume has a cinder attachment the compute host must complete first (a real
 * deployment: connection_info null, attachment_id set).
 */
export function bootVolume(bdms: BdmView[]): FcConnection | 'attach' {
  const withConn = bdms.filter((b) => b.fc || b.driverVolumeType);
  const boot = withConn.find((b) => b.bootIndex === 0) ?? withConn[0];
  if (!boot && attachmentToComplete(bdms)) return 'attach';
  if (!boot)
    throw new TranslateError(
      'BootFromImageNotSupported',
      'DPM boots from an FCP volume only: the block device mapping must carry connection_info',
    );
  if (!boot.fc)
    throw new TranslateError(
      'InvalidRequest',
      `volume ${boot.volumeId ?? ''} has driver_volume_type ${boot.driverVolumeType ?? 'unknown'}; only fibre_channel is supported`,
    );
  return boot.fc;
}

/** The boot volume's mapping whose cinder attachment still needs a connector (boot_index 0 first). */
export function attachmentToComplete(bdms: BdmView[]): BdmView | undefined {
  const open = bdms.filter((b) => b.attachmentId && !b.fc && !b.driverVolumeType);
  return open.find((b) => b.bootIndex === 0) ?? open[0];
}

/**
 * The boot HBA and target (nova-dpm's rule, with its defects fixed): with an initiator_target_map,
 * the first HBA (in storageAdapterPorts order) whose WWPN is an initiator, and its first target not
 * in the ignore list; otherwise the first HBA and the first target_wwn not ignored. WWPNs compare
 * case-insensitively; the LUN is normalised to 16 hex digits. 'pending' = WWPNs not known yet.
 */
export function resolveBoot(
  fc: FcConnection,
  hbaNames: string[],
  ignoreList: string[],
  hbaWwpns?: Record<string, string>,
): FcpVolumeBoot | 'pending' {
  const ignore = new Set(ignoreList.map(normWwpn));
  const usable = (targets: string[]): string | undefined => targets.map(normWwpn).find((t) => !ignore.has(t));
  const lun = lunToHex(fc.targetLun);
  const itm =
    fc.initiatorTargetMap && Object.keys(fc.initiatorTargetMap).length > 0
      ? fc.initiatorTargetMap
      : undefined;
  if (itm) {
    if (!hbaWwpns || !hbaNames.every((n) => hbaWwpns[n])) return 'pending';
    const byInitiator = new Map(Object.entries(itm).map(([k, v]) => [normWwpn(k), v]));
    for (const name of hbaNames) {
      const target = usable(byInitiator.get(normWwpn(hbaWwpns[name]!)) ?? []);
      if (target) return { hbaRef: { name }, targetWwpn: target, lun };
    }
  }
  // No map (or no initiator of it is ours): the first HBA and the first usable target_wwn.
  const target = usable(fc.targetWwns);
  if (target) return { hbaRef: { name: hbaNames[0]! }, targetWwpn: target, lun };
  throw new TranslateError(
    'InvalidRequest',
    itm
      ? 'no HBA of the partition is an initiator of the volume (initiator_target_map) with a usable target'
      : 'the volume has no target WWPN outside targetWwpnIgnoreList',
  );
}

/** `0x500507680B2145F0` / `50:05:...` -> `500507680b2145f0`. */
export function normWwpn(w: string): string {
  return w.replace(/^0x/i, '').replace(/:/g, '').toLowerCase();
}

/**
 * A SCSI LUN as the 16 hex digits of its 8-byte FCP LUN (Linux int_to_scsilun): LUN 1 ->
 * 0001000000000000 (peripheral addressing < 256, flat addressing 0x4000|n below 16384). A string of
 * hex digits is taken as the FCP LUN already.
 */
export function lunToHex(lun: number | string): string {
  if (typeof lun === 'string') {
    const h = lun.replace(/^0x/i, '').toLowerCase();
    if (!/^[0-9a-f]{1,16}$/.test(h)) throw new TranslateError('InvalidRequest', `bad LUN ${lun}`);
    return h.padStart(16, '0');
  }
  if (!Number.isInteger(lun) || lun < 0 || lun >= 16384)
    throw new TranslateError('InvalidRequest', `bad LUN ${lun}`);
  const first = lun < 256 ? lun : 0x4000 | lun;
  return first.toString(16).padStart(4, '0') + '000000000000';
}
