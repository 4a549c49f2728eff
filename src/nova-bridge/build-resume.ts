// Builds interrupted by a bridge restart (killed, or its lease lost): the build cast was acked before
// it ran, so it is never redelivered. What is left to go on is Nova's record of the instance (its
// task state, its info cache, the requested networks the bridge wrote into system_metadata when it
// took the instance), its block device mappings (conductor) and what the CRs, neutron and cinder
// hold; every build step is idempotent, so the build continues from the instance's task state.
import { isRecord, type RpcRequest } from './codec.js';
import type { ConductorClient } from './conductor-client.js';
import { TASK_STATE, VM_STATE, adminContext } from './instance-state.js';
import {
  isNovaObject,
  makeObject,
  objectData,
  type NetworkRequestView,
  type NovaObjectPrimitive,
} from './objects.js';

/** Where an interrupted build continues: its task state, in nova-compute's build order. */
export const BUILD_STAGES = ['start', 'networking', 'block_device_mapping', 'spawning'] as const;
export type BuildStage = (typeof BUILD_STAGES)[number];

/** True when a build resumed at `resume` is already at or past `stage` (a fresh build never is). */
export function resumedPast(resume: BuildStage | undefined, stage: BuildStage): boolean {
  return resume !== undefined && BUILD_STAGES.indexOf(resume) >= BUILD_STAGES.indexOf(stage);
}

/** system_metadata keys (values are at most 255 characters: one entry per requested network). */
export const SYSMETA_NETWORK_COUNT = 'dpm_requested_networks';
const sysmetaNetworkKey = (i: number): string => `dpm_requested_network_${i}`;

/** The requested networks as system_metadata entries (`network:<id>` or `port:<id>`). */
export function networksToSystemMetadata(requests: readonly NetworkRequestView[]): Record<string, string> {
  const out: Record<string, string> = { [SYSMETA_NETWORK_COUNT]: String(requests.length) };
  requests.forEach((r, i) => {
    out[sysmetaNetworkKey(i)] = r.portId ? `port:${r.portId}` : `network:${r.networkId ?? ''}`;
  });
  return out;
}

/** The requested networks recorded in system_metadata; undefined when none were recorded. */
export function networksFromSystemMetadata(sysmeta: unknown): NetworkRequestView[] | undefined {
  if (!isRecord(sysmeta)) return undefined;
  const n = Number(sysmeta[SYSMETA_NETWORK_COUNT]);
  if (sysmeta[SYSMETA_NETWORK_COUNT] === undefined || !Number.isInteger(n) || n < 0) return undefined;
  const out: NetworkRequestView[] = [];
  for (let i = 0; i < n; i++) {
    const m = /^(network|port):(.+)$/.exec(String(sysmeta[sysmetaNetworkKey(i)] ?? ''));
    if (!m) return undefined;
    out.push(m[1] === 'port' ? { portId: m[2] } : { networkId: m[2] });
  }
  return out;
}

/** The build stage an instance of this host is in, or undefined when it is not an interrupted build. */
export function interruptedStage(d: Record<string, unknown>): BuildStage | undefined {
  if (d.deleted === true || d.task_state === TASK_STATE.DELETING) return undefined;
  switch (d.task_state) {
    case TASK_STATE.NETWORKING:
      return 'networking';
    case TASK_STATE.BLOCK_DEVICE_MAPPING:
      return 'block_device_mapping';
    case TASK_STATE.SPAWNING:
      return 'spawning';
    case TASK_STATE.SCHEDULING:
    case null:
    case undefined:
      return d.vm_state === VM_STATE.BUILDING ? 'start' : undefined;
    default:
      return undefined;
  }
}

export type ResumePlan =
  | {
      uuid: string;
      stage: BuildStage;
      request: RpcRequest;
      /** Attachments whose connection info Nova has: completed again (os-complete is idempotent). */
      complete: string[];
    }
  | { uuid: string; stage: BuildStage; instance: NovaObjectPrimitive; cannot: string };

/**
 * What to do with one interrupted build (pure): the build request to run again from `stage`, or why
 * it cannot be resumed. Networks not yet allocated need the requested networks recorded at the
 * start of the build; after `networking` the ports are in the info cache. An attachment without
 * connection info in its mapping is updated as in a fresh build; one with it is only completed again
 * (cinder refuses a second update of an attached attachment: HTTP 500).
 */
export function planResume(instance: NovaObjectPrimitive, stage: BuildStage, bdms: unknown): ResumePlan {
  const d = objectData(instance, 'Instance');
  const uuid = String(d.uuid);
  let requested: NetworkRequestView[] = [];
  if (!resumedPast(stage, 'block_device_mapping')) {
    const recorded = networksFromSystemMetadata(d.system_metadata);
    if (!recorded)
      return {
        uuid,
        stage,
        instance,
        cannot: `its requested networks were not recorded (task state ${String(d.task_state)})`,
      };
    requested = recorded;
  }
  const list = isNovaObject(bdms) ? ((bdms['nova_object.data'].objects as unknown[] | undefined) ?? []) : [];
  const mappings = list.filter(isNovaObject);
  const complete = mappings
    .map((b) => b['nova_object.data'])
    .filter((bd) => typeof bd.attachment_id === 'string' && bd.attachment_id && bd.connection_info)
    .map((bd) => String(bd.attachment_id));
  const networks = makeObject('NetworkRequestList', {
    objects: requested.map((r) =>
      makeObject(
        'NetworkRequest',
        r.portId ? { network_id: null, port_id: r.portId } : { network_id: r.networkId, port_id: null },
        undefined,
        '1.3',
      ),
    ),
  });
  return {
    uuid,
    stage,
    request: {
      method: 'build_and_run_instance',
      args: { instance, block_device_mapping: mappings, requested_networks: networks },
      context: adminContext(),
    },
    complete,
  };
}

/** Instance fields an interrupted build needs (InstanceList.get_by_host's expected_attrs). */
export const RESUME_EXPECTED_ATTRS = ['flavor', 'info_cache', 'system_metadata'];

/** This host's instances whose build was interrupted, with their stage (through the conductor). */
export async function findInterruptedBuilds(
  conductor: ConductorClient,
  host: string,
): Promise<{ instance: NovaObjectPrimitive; stage: BuildStage }[]> {
  const list = await conductor.objectClassAction(adminContext(), 'InstanceList', 'get_by_host', [host], {
    expected_attrs: RESUME_EXPECTED_ATTRS,
  });
  const items = isNovaObject(list) ? ((list['nova_object.data'].objects as unknown[] | undefined) ?? []) : [];
  const out: { instance: NovaObjectPrimitive; stage: BuildStage }[] = [];
  for (const item of items) {
    if (!isNovaObject(item)) continue;
    const stage = interruptedStage(objectData(item));
    if (stage) out.push({ instance: item, stage });
  }
  return out;
}

/** The instance's block device mappings (BlockDeviceMappingList.get_by_instance_uuid). */
export function blockDeviceMappings(conductor: ConductorClient, uuid: string): Promise<unknown> {
  return conductor.objectClassAction(adminContext(), 'BlockDeviceMappingList', 'get_by_instance_uuid', [
    uuid,
  ]);
}
