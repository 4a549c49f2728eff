// The compute RPC methods the bridge serves, each turned into CR changes plus the Instance state
// reports nova-compute would send. Unknown methods are answered NoSuchMethod by the server.
import type { Logger } from 'pino';
import type { CpcSubset } from '../crds/cpcsubset.js';
import type { Partition } from '../crds/partition.js';
import type { RpcRequest } from './codec.js';
import type { ComputeMethod } from './compute-server.js';
import type { ConductorClient } from './conductor-client.js';
import { consoleNotAvailable, type ConsoleOutputSource } from './console-output.js';
import type { CrStore } from './cr-store.js';
import { RpcFailure, TranslateError } from './errors.js';
import {
  InstanceRecord,
  POWER_STATE,
  TASK_STATE,
  VM_STATE,
  isUnexpectedTaskState,
} from './instance-state.js';
import { isNovaObject, readBlockDeviceMappings, readInstance } from './objects.js';
import { devicesReady, hbaWwpns, isRunning, isStopped, partitionFailure } from './partition-state.js';
import { translateBuild, type SubsetView } from './translate.js';

export interface ComputeMethodsOptions {
  store: CrStore;
  conductor: ConductorClient;
  host: string;
  log: Logger;
  /** Longest wait for a partition to reach Running after a build (default 10 min). */
  buildTimeoutMs?: number;
  /** Longest wait for a stop/start/delete (default 5 min). */
  powerTimeoutMs?: number;
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
    };
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

  /** build_and_run_instance (cast). Idempotent: an instance whose Partition exists is not built again. */
  private async build(req: RpcRequest): Promise<null> {
    const inst = this.record(req);
    const uuid = inst.uuid;
    const log = this.o.log.child({ instance: uuid });
    if (this.busy.has(uuid)) {
      log.info('build of an instance already in progress: ignored');
      return null;
    }
    this.busy.add(uuid);
    try {
      if (await this.o.store.getPartition(uuid)) {
        log.info('build redelivered: the partition exists already, nothing created');
        return null;
      }
      await inst.save({ vm_state: VM_STATE.BUILDING, task_state: null }, [TASK_STATE.SCHEDULING, null]);
      await inst.save({ host: this.o.host, node: this.o.host, launched_on: this.o.host });
      await inst.save({ task_state: TASK_STATE.SPAWNING }, [null]);
      try {
        await this.spawn(req, uuid);
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

  private async spawn(req: RpcRequest, uuid: string): Promise<void> {
    const instance = readInstance(req.args.instance);
    const bdms = readBlockDeviceMappings(req.args.block_device_mapping);
    const subset = subsetView(await this.o.store.getSubset());
    const desired = translateBuild({ instance, bdms, subset });
    await this.o.store.createAbsent(desired);
    const timeout = this.o.buildTimeoutMs ?? 600_000;
    // Start only once the operator has every NIC and HBA on the HMC (see translateBuild).
    const hbaNames = desired.hbas.map((h) => h.metadata.name);
    const nicNames = desired.nics.map((n) => n.metadata.name);
    const p = await this.waitFor(uuid, (x) => devicesReady(x, nicNames, hbaNames), timeout);
    let boot = desired.partition.spec.boot;
    if (desired.bootPending) {
      // The boot target comes from the volume's initiator_target_map and the HBAs' WWPNs.
      const booting = translateBuild({ instance, bdms, subset, hbaWwpns: hbaWwpns(p) });
      if (booting.bootPending) throw new TranslateError('InvalidRequest', 'HBA WWPNs not available');
      boot = booting.partition.spec.boot;
    }
    await this.o.store.patchPartitionSpec(uuid, { boot, powerState: 'Active' });
    await this.waitFor(uuid, isRunning, timeout);
  }

  /** terminate_instance (cast): CRs deleted (the operator deletes the HMC partition), then deleted. */
  private async terminate(req: RpcRequest): Promise<null> {
    const inst = this.record(req);
    const uuid = inst.uuid;
    await this.o.store.deleteInstance(uuid);
    await this.o.store.waitForPartition(uuid, (p) => p === undefined, this.o.powerTimeoutMs ?? 300_000);
    await inst.save({
      vm_state: VM_STATE.DELETED,
      task_state: null,
      power_state: POWER_STATE.NOSTATE,
      terminated_at: isoNow(),
    });
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

  /** reboot_instance (cast): DPM has hard reboot only: Stopped, then Active. */
  private async reboot(req: RpcRequest): Promise<null> {
    const inst = this.record(req);
    const uuid = inst.uuid;
    if (!(await this.o.store.getPartition(uuid))) throw instanceNotFound(uuid);
    const soft = req.args.reboot_type === 'SOFT';
    const started = soft ? TASK_STATE.REBOOT_STARTED : TASK_STATE.REBOOT_STARTED_HARD;
    await inst.save(
      { task_state: started },
      soft ? TASK_STATE.REBOOT_PENDING : TASK_STATE.REBOOT_PENDING_HARD,
    );
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
