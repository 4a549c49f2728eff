// The compute RPC methods the bridge serves, each turned into CR changes plus the Instance state
// reports nova-compute would send. Unknown methods are answered NoSuchMethod by the server.
import type { Logger } from 'pino';
import type { CpcSubset } from '../crds/cpcsubset.js';
import type { Partition } from '../crds/partition.js';
import { isRecord, type RpcRequest } from './codec.js';
import type { ComputeMethod } from './compute-server.js';
import type { ConductorClient } from './conductor-client.js';
import { consoleNotAvailable, type ConsoleOutputSource } from './console-output.js';
import type { CrStore } from './cr-store.js';
import { RpcFailure, TranslateError } from './errors.js';
import {
  adminContext,
  InstanceRecord,
  POWER_STATE,
  TASK_STATE,
  VM_STATE,
  isUnexpectedTaskState,
} from './instance-state.js';
import {
  isNovaObject,
  makeObject,
  objectData,
  readBlockDeviceMappings,
  readInstance,
  readNetworkInfo,
  readRequestedNetworks,
  withChanges,
  type BdmView,
} from './objects.js';
import { devicesReady, hbaWwpns, isRunning, isStopped, partitionFailure } from './partition-state.js';
import { buildOnStorageGroups } from './storage-group-build.js';
import {
  attachmentToComplete,
  bootVolume,
  storageGroupName,
  translateBuild,
  type SubsetView,
} from './translate.js';
import { fcConnector, type CinderClient } from './cinder.js';
import type { NeutronClient, NetworkInfoVif } from './neutron.js';
import type { PlacementClient } from './placement.js';
import {
  blockDeviceMappings,
  findInterruptedBuilds,
  networksToSystemMetadata,
  planResume,
  resumedPast,
  type BuildStage,
} from './build-resume.js';

export interface ComputeMethodsOptions {
  store: CrStore;
  conductor: ConductorClient;
  host: string;
  log: Logger;
  /** Longest wait for a partition to reach Running after a build (default 10 min). */
  buildTimeoutMs?: number;
  /** Longest wait for a stop/start/delete (default 5 min). */
  powerTimeoutMs?: number;
  /** Neutron: ports are created/bound by the bridge (absent: VIFs come from the info cache). */
  neutron?: NeutronClient;
  /** Cinder: the boot volume's attachment is completed by the bridge (absent: connection info expected). */
  cinder?: CinderClient;
  /** Placement: an instance's allocation is removed on terminate. */
  placement?: PlacementClient;
  /** The ComputeNode id (Instance.compute_id) once registered. */
  computeNodeId?: () => number | undefined;
  /** Service.disabled for set_host_enabled. */
  setHostEnabled?: (enabled: boolean) => Promise<void>;
  /** Reads the partitions' OS messages for get_console_output; none = no console. */
  console?: ConsoleOutputSource;
}

/** oslo DateTimeField primitive. */
function isoNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function subsetView(s: CpcSubset): SubsetView {
  return {
    name: s.metadata.name!,
    storageAdapterPorts: s.spec.storageAdapterPorts ?? [],
    targetWwpnIgnoreList: s.spec.targetWwpnIgnoreList ?? [],
    ...(s.status?.storageModel ? { storageModel: s.status.storageModel } : {}),
  };
}

function instanceNotFound(uuid: string): RpcFailure {
  return new RpcFailure({
    className: 'InstanceNotFound',
    message: `Instance ${uuid} could not be found.`,
    kwargs: { instance_id: uuid, code: 404 },
  });
}

export class ComputeMethods {
  private readonly busy = new Set<string>();
  private readonly resuming = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(private readonly o: ComputeMethodsOptions) {}

  /** The dispatch table. */
  table(): Record<string, ComputeMethod> {
    return {
      build_and_run_instance: (r) => this.build(r),
      terminate_instance: (r) => this.terminate(r),
      stop_instance: (r) => this.power(r, 'Stopped', TASK_STATE.POWERING_OFF),
      start_instance: (r) => this.power(r, 'Active', TASK_STATE.POWERING_ON),
      reboot_instance: (r) => this.reboot(r),
      get_console_output: (r) => this.consoleOutput(r),
      external_instance_event: async () => null, // network-vif-plugged & co.: nothing waits for them
      set_host_enabled: (r) => this.hostEnabled(r),
      ...unsupportedCalls(),
    };
  }

  /**
   * At start (nova-compute's init_host fails such builds): every instance of this host whose build
   * was interrupted (the bridge was killed or lost its lease mid-build; the acked cast is never
   * redelivered) is built on from its task state in the background; one that cannot be resumed is
   * set to ERROR with a fault, never left building. Returns the uuids resumed and failed.
   */
  async resumeInterruptedBuilds(): Promise<{ resumed: string[]; failed: string[] }> {
    const resumed: string[] = [];
    const failed: string[] = [];
    for (const { instance, stage } of await findInterruptedBuilds(this.o.conductor, this.o.host)) {
      const uuid = String(objectData(instance).uuid);
      let plan;
      try {
        plan = planResume(instance, stage, await blockDeviceMappings(this.o.conductor, uuid));
      } catch (e) {
        plan = { uuid, stage, instance, cannot: e instanceof Error ? e.message : String(e) };
      }
      if ('cannot' in plan) {
        const inst = new InstanceRecord(this.o.conductor, adminContext(), plan.instance);
        await inst.fail(
          new Error(`the compute host (dpm-operator Nova bridge) restarted during the build: ${plan.cannot}`),
          this.o.host,
        );
        this.o.log.warn({ instance: uuid, stage }, `interrupted build not resumable (${plan.cannot}): ERROR`);
        failed.push(uuid);
        continue;
      }
      this.o.log.info({ instance: uuid, stage }, 'resuming a build interrupted by a restart');
      const { request, complete } = plan;
      const p = (async () => {
        try {
          for (const a of complete) await this.o.cinder?.complete(a);
        } catch (e) {
          await new InstanceRecord(this.o.conductor, request.context, instance).fail(e as Error, this.o.host);
          return;
        }
        await this.build(request, stage);
      })()
        .catch((e: unknown) => this.o.log.error({ err: e, instance: uuid }, 'resumed build failed'))
        .finally(() => this.resuming.delete(p));
      this.resuming.add(p);
      resumed.push(uuid);
    }
    return { resumed, failed };
  }

  /** Stops: builds in progress are left as they are (the next holder of the host resumes them). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.resuming]);
  }

  /** set_host_enabled (call): Service.disabled as libvirt's driver does; answers nova-api's os-hosts. */
  private async hostEnabled(req: RpcRequest): Promise<string> {
    const enabled = req.args.enabled === true;
    if (!this.o.setHostEnabled) throw notImplemented('set_host_enabled');
    await this.o.setHostEnabled(enabled);
    return enabled ? 'enabled' : 'disabled';
  }

  private record(req: RpcRequest): InstanceRecord {
    const inst = req.args.instance;
    if (!isNovaObject(inst))
      throw new RpcFailure({ className: 'InvalidRequest', message: 'no instance in request' });
    return new InstanceRecord(this.o.conductor, req.context, inst);
  }

  private async waitFor(
    uuid: string,
    what: (p: Partition | undefined) => boolean,
    timeoutMs: number,
  ): Promise<Partition | undefined> {
    return this.o.store
      .waitForPartition(uuid, (p) => what(p) || partitionFailure(p) !== undefined, timeoutMs)
      .then((p) => {
        const failed = what(p) ? undefined : partitionFailure(p);
        if (failed) throw new Error(failed);
        return p;
      });
  }

  /**
   * build_and_run_instance (cast), with nova-compute's task states: building -> host/node ->
   * networking (ports bound, info cache written) -> block_device_mapping (CRs, HBA or storage path
   * WWPNs, cinder attachment) -> spawning (boot target or volume fulfillment, Active) -> active.
   * Idempotent: an instance whose Partition exists is not built again.
   */
  private async build(req: RpcRequest, resume?: BuildStage): Promise<null> {
    const inst = this.record(req);
    const uuid = inst.uuid;
    const log = this.o.log.child({ instance: uuid });
    if (this.busy.has(uuid)) {
      log.info('build of an instance already in progress: ignored');
      return null;
    }
    this.busy.add(uuid);
    try {
      if (!resume && (await this.o.store.getPartition(uuid))) {
        log.info('build redelivered: the partition exists already, nothing created');
        return null;
      }
      if (!resumedPast(resume, 'networking'))
        await inst.save({ vm_state: VM_STATE.BUILDING, task_state: null }, [TASK_STATE.SCHEDULING, null]);
      try {
        // Inside the try: an instance that cannot take the host fails (ERROR), never stays building.
        if (!resumedPast(resume, 'networking')) await this.takeInstance(req, inst);
        await this.spawn(req, inst, resume);
        await inst.save(
          {
            vm_state: VM_STATE.ACTIVE,
            task_state: null,
            power_state: POWER_STATE.RUNNING,
            launched_at: isoNow(),
          },
          TASK_STATE.SPAWNING,
        );
        log.info('instance active');
      } catch (e) {
        if (isUnexpectedTaskState(e) || this.stopping) throw e;
        log.error({ err: e }, 'build failed');
        await inst.fail(e as Error, this.o.host);
      }
    } catch (e) {
      if (isUnexpectedTaskState(e))
        log.warn({ err: e }, 'instance changed under the build (deleted?): stopped');
      else throw e;
    } finally {
      this.busy.delete(uuid);
    }
    return null;
  }

  /** Instance.save of the host and node, with the requested networks recorded for a resume. */
  private async takeInstance(req: RpcRequest, inst: InstanceRecord): Promise<void> {
    const computeId = this.o.computeNodeId?.();
    // The requested networks go into system_metadata with the host: a build interrupted from
    // here on is found by host and can be resumed (see build-resume.ts).
    const sysmeta = objectData(req.args.instance).system_metadata;
    const record = isRecord(sysmeta)
      ? {
          system_metadata: {
            ...sysmeta,
            ...networksToSystemMetadata(readRequestedNetworks(req.args.requested_networks)),
          },
        }
      : {};
    await inst.save({
      host: this.o.host,
      node: this.o.host,
      launched_on: this.o.host,
      ...(computeId === undefined ? {} : { compute_id: computeId }),
      ...record,
    });
  }

  private async spawn(req: RpcRequest, inst: InstanceRecord, resume?: BuildStage): Promise<void> {
    const uuid = inst.uuid;
    const instance = readInstance(req.args.instance);
    let bdms = readBlockDeviceMappings(req.args.block_device_mapping);
    const subset = subsetView(await this.o.store.getSubset());

    // A resumed build skips the task states it reached; past networking its ports are in the info cache.
    if (!resumedPast(resume, 'block_device_mapping')) {
      if (!resumedPast(resume, 'networking')) await inst.save({ task_state: TASK_STATE.NETWORKING }, [null]);
      const network = await this.allocateNetworks(req, inst);
      if (network) instance.vifs = readNetworkInfo(JSON.stringify(network));
      await inst.save({ task_state: TASK_STATE.BLOCK_DEVICE_MAPPING }, TASK_STATE.NETWORKING);
    }
    const desired = translateBuild({ instance, bdms, subset });
    const timeout = this.o.buildTimeoutMs ?? 600_000;
    if (desired.storageGroup) {
      await buildOnStorageGroups(
        {
          store: this.o.store,
          timeoutMs: timeout,
          waitForPartition: (check) => this.waitFor(uuid, check, timeout),
          connect: async (wwpns) => {
            const open = attachmentToComplete(bdms);
            if (open) bdms = await this.attachVolume(req, inst, bdms, open, wwpns);
            const fc = bootVolume(bdms);
            if (fc === 'attach')
              throw new TranslateError('InvalidRequest', 'no connection info for the boot volume');
            return fc;
          },
          spawning: () => inst.save({ task_state: TASK_STATE.SPAWNING }, TASK_STATE.BLOCK_DEVICE_MAPPING),
        },
        desired,
        subset,
      );
      return;
    }
    // Created without a boot device: the operator checks the boot HBA reference before the HMC, and
    // the HBAs are separate objects that reach it after the Partition; the boot target is set below.
    await this.o.store.createAbsent({
      ...desired,
      partition: { ...desired.partition, spec: { ...desired.partition.spec, boot: { type: 'None' } } },
    });
    // Start only once the operator has every NIC and HBA on the HMC (see translateBuild).
    const hbaNames = desired.hbas.map((h) => h.metadata.name);
    const nicNames = desired.nics.map((n) => n.metadata.name);
    const p = await this.waitFor(uuid, (x) => devicesReady(x, nicNames, hbaNames), timeout);
    const wwpns = hbaWwpns(p);
    const open = attachmentToComplete(bdms);
    if (open) bdms = await this.attachVolume(req, inst, bdms, open, Object.values(wwpns));

    if (!resumedPast(resume, 'spawning'))
      await inst.save({ task_state: TASK_STATE.SPAWNING }, TASK_STATE.BLOCK_DEVICE_MAPPING);
    // The boot target comes from the volume's connection info (initiator_target_map) and the HBAs' WWPNs.
    const booting = translateBuild({ instance, bdms, subset, hbaWwpns: wwpns });
    if (booting.bootPending) throw new TranslateError('InvalidRequest', 'HBA WWPNs not available');
    await this.o.store.patchPartitionSpec(uuid, { boot: booting.partition.spec.boot, powerState: 'Active' });
    await this.waitFor(uuid, isRunning, timeout);
  }

  /**
   * Ports for the requested networks, bound to this host (a new port per network, an existing port
   * taken over), and the instance's info cache written; undefined when neutron is not configured
   * (the VIFs then come from the info cache as sent).
   */
  private async allocateNetworks(
    req: RpcRequest,
    inst: InstanceRecord,
  ): Promise<NetworkInfoVif[] | undefined> {
    const neutron = this.o.neutron;
    if (!neutron) return undefined;
    const requests = readRequestedNetworks(req.args.requested_networks);
    const project = String(objectData(req.args.instance).project_id ?? '');
    const vifs: NetworkInfoVif[] = [];
    for (const r of requests) {
      // A redelivered build finds the port it created before (device_id = the instance).
      const mine = (await neutron.portsOf(inst.uuid)).find((x) =>
        r.portId ? x.id === r.portId : x.network_id === r.networkId,
      );
      const port = r.portId
        ? await neutron.bindPort(r.portId, inst.uuid, this.o.host)
        : (mine ?? (await neutron.createPort(r.networkId!, inst.uuid, this.o.host, project)));
      vifs.push(await neutron.networkInfo(port, r.portId !== undefined));
    }
    await this.saveInfoCache(req, inst.uuid, vifs);
    return vifs;
  }

  /** InstanceInfoCache.save(network_info), as nova-compute writes it after allocating networks. */
  private async saveInfoCache(req: RpcRequest, uuid: string, vifs: NetworkInfoVif[]): Promise<void> {
    const cur = objectData(req.args.instance).info_cache;
    const base = isNovaObject(cur) ? cur : makeObject('InstanceInfoCache', { instance_uuid: uuid }, []);
    await this.o.conductor.objectAction(
      req.context,
      withChanges(base, { network_info: JSON.stringify(vifs) }),
      'save',
    );
  }

  /**
   * Completes the boot volume's cinder attachment with the partition's FCP WWPNs as the connector,
   * saves the connection info into the BlockDeviceMapping and marks the attachment complete.
   */
  private async attachVolume(
    req: RpcRequest,
    inst: InstanceRecord,
    bdms: BdmView[],
    open: BdmView,
    wwpns: string[],
  ): Promise<BdmView[]> {
    if (!this.o.cinder)
      throw new TranslateError(
        'InvalidRequest',
        `volume ${open.volumeId ?? ''} needs its cinder attachment completed, and no cinder endpoint is configured`,
      );
    const info = await this.o.cinder.attach(open.attachmentId!, fcConnector(wwpns, inst.uuid));
    const json = JSON.stringify(info);
    if (open.primitive)
      await this.o.conductor.objectAction(
        req.context,
        withChanges(open.primitive, { connection_info: json }),
        'save',
      );
    await this.o.cinder.complete(open.attachmentId!);
    const [updated] = readBlockDeviceMappings([
      { ...open.primitive!, 'nova_object.data': { ...objectData(open.primitive), connection_info: json } },
    ]);
    return bdms.map((b) => (b === open ? updated! : b));
  }

  /**
   * terminate_instance (cast): CRs deleted (the operator deletes the HMC partition), then the
   * instance's StorageGroup (the operator detaches and deletes the HMC group), then, as nova-compute:
   * ports deleted (ours) or unbound (the user's), cinder attachments deleted, the instance saved
   * deleted, its placement allocation removed, Instance.destroy.
   */
  private async terminate(req: RpcRequest): Promise<null> {
    const inst = this.record(req);
    const uuid = inst.uuid;
    const timeout = this.o.powerTimeoutMs ?? 300_000;
    await this.o.store.deleteInstance(uuid);
    await this.o.store.waitForPartition(uuid, (p) => p === undefined, timeout);
    await this.o.store.deleteStorageGroups(uuid);
    await this.o.store.waitForStorageGroup(storageGroupName(uuid), (g) => g === undefined, timeout);
    if (this.o.neutron) {
      const cache = objectData(req.args.instance).info_cache;
      const nwInfo = isNovaObject(cache) ? cache['nova_object.data'].network_info : '[]';
      const cached = JSON.parse(typeof nwInfo === 'string' && nwInfo ? nwInfo : '[]') as NetworkInfoVif[];
      const preserved = new Set(cached.filter((v) => v.preserve_on_delete).map((v) => v.id));
      for (const port of await this.o.neutron.portsOf(uuid)) {
        if (preserved.has(port.id)) await this.o.neutron.unbindPort(port.id);
        else await this.o.neutron.deletePort(port.id);
      }
    }
    if (this.o.cinder)
      for (const b of readBlockDeviceMappings(req.args.bdms))
        if (b.attachmentId) await this.o.cinder.detach(b.attachmentId);
    await inst.save({
      vm_state: VM_STATE.DELETED,
      task_state: null,
      power_state: POWER_STATE.NOSTATE,
      terminated_at: isoNow(),
    });
    await this.o.placement?.deleteAllocations(uuid);
    await inst.destroy();
    this.o.log.info({ instance: uuid }, 'instance deleted');
    return null;
  }

  /** stop_instance / start_instance (casts): spec.powerState, then the state Nova expects. */
  private async power(req: RpcRequest, want: 'Active' | 'Stopped', expected: string): Promise<null> {
    const inst = this.record(req);
    const uuid = inst.uuid;
    if (!(await this.o.store.getPartition(uuid))) throw instanceNotFound(uuid);
    try {
      await this.setPower(uuid, want);
    } catch (e) {
      await inst.save({ task_state: null }, expected).catch(() => undefined);
      throw e;
    }
    const active = want === 'Active';
    await inst.save(
      {
        vm_state: active ? VM_STATE.ACTIVE : VM_STATE.STOPPED,
        task_state: null,
        power_state: active ? POWER_STATE.RUNNING : POWER_STATE.SHUTDOWN,
      },
      expected,
    );
    return null;
  }

  private async setPower(uuid: string, want: 'Active' | 'Stopped'): Promise<void> {
    await this.o.store.patchPartitionSpec(uuid, { powerState: want });
    await this.waitFor(uuid, want === 'Active' ? isRunning : isStopped, this.o.powerTimeoutMs ?? 300_000);
  }

  /**
   * reboot_instance (cast): DPM has hard reboot only (Stopped, then Active); the task states are
   * nova-compute's: reboot_pending[_hard] (nova-api left rebooting[_hard]), reboot_started[_hard],
   * then active.
   */
  private async reboot(req: RpcRequest): Promise<null> {
    const inst = this.record(req);
    const uuid = inst.uuid;
    if (!(await this.o.store.getPartition(uuid))) throw instanceNotFound(uuid);
    const soft = req.args.reboot_type === 'SOFT';
    const [rebooting, pending, started] = soft
      ? [TASK_STATE.REBOOTING, TASK_STATE.REBOOT_PENDING, TASK_STATE.REBOOT_STARTED]
      : [TASK_STATE.REBOOTING_HARD, TASK_STATE.REBOOT_PENDING_HARD, TASK_STATE.REBOOT_STARTED_HARD];
    await inst.save({ task_state: pending }, [rebooting, pending, started]);
    await inst.save({ task_state: started }, pending);
    await this.setPower(uuid, 'Stopped');
    await this.setPower(uuid, 'Active');
    await inst.save(
      { vm_state: VM_STATE.ACTIVE, task_state: null, power_state: POWER_STATE.RUNNING },
      started,
    );
    return null;
  }

  /** get_console_output (call): the partition's OS messages from the HMC, nova's tail_length applied. */
  private async consoleOutput(req: RpcRequest): Promise<string> {
    const inst = this.record(req);
    const p = await this.o.store.getPartition(inst.uuid);
    if (!p) throw instanceNotFound(inst.uuid);
    if (!this.o.console) throw consoleNotAvailable();
    const tail = req.args.tail_length;
    return this.o.console.read(p, typeof tail === 'number' && Number.isInteger(tail) ? tail : undefined);
  }
}

/** NotImplementedError (a builtin nova-api maps to 501 "not implemented"). */
function notImplemented(method: string): RpcFailure {
  return new RpcFailure({
    className: 'NotImplementedError',
    module: 'builtins',
    message: `${method} is not supported by the DPM compute host (dpm-operator Nova bridge)`,
  });
}

/**
 * Every other CALL of the compute RPC API 6.x answered at once, with the error nova-api expects from
 * a driver that lacks the feature (never silence: an unanswered call blocks nova-api for its whole
 * rpc_response_timeout). Casts of unsupported operations are answered NoSuchMethod by the server.
 */
export function unsupportedCalls(): Record<string, ComputeMethod> {
  const consoleUnavailable =
    (type: string): ComputeMethod =>
    async () => {
      throw new RpcFailure({
        className: 'ConsoleTypeUnavailable',
        message: `Unavailable console type ${type}.`,
        kwargs: { console_type: type, code: 400 },
      });
    };
  const table: Record<string, ComputeMethod> = {
    get_vnc_console: consoleUnavailable('novnc'),
    get_spice_console: consoleUnavailable('spice-html5'),
    get_mks_console: consoleUnavailable('webmks'),
    get_serial_console: consoleUnavailable('serial'),
    get_rdp_console: consoleUnavailable('rdp-html5'),
    validate_console_port: async () => false,
  };
  for (const m of [
    'get_diagnostics',
    'get_instance_diagnostics',
    'get_host_uptime',
    'host_power_action',
    'host_maintenance_mode',
    'reserve_block_device_name',
    'attach_interface',
    'check_can_live_migrate_destination',
    'check_can_live_migrate_source',
    'check_instance_shared_storage',
    'pre_live_migration',
    'supports_numa_live_migration',
    'remove_volume_connection',
    'prep_snapshot_based_resize_at_dest',
    'prep_snapshot_based_resize_at_source',
    'finish_snapshot_based_resize_at_dest',
    'cache_images',
  ])
    table[m] = async () => {
      throw notImplemented(m);
    };
  return table;
}
