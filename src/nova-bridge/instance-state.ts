// Instance state reported to Nova through the conductor (Instance.save with expected_task_state,
// Instance.destroy, InstanceFault.create), as nova-compute's manager does.
import { randomUUID } from 'node:crypto';
import type { RpcContext } from './codec.js';
import type { ConductorClient } from './conductor-client.js';
import { RemoteRpcError, TranslateError } from './errors.js';
import { applyUpdates, makeObject, objectData, withChanges, type NovaObjectPrimitive } from './objects.js';

/** nova.compute.power_state. */
export const POWER_STATE = {
  NOSTATE: 0,
  RUNNING: 1,
  PAUSED: 3,
  SHUTDOWN: 4,
  CRASHED: 6,
  SUSPENDED: 7,
} as const;

/** nova.compute.vm_states used here. */
export const VM_STATE = {
  ACTIVE: 'active',
  BUILDING: 'building',
  STOPPED: 'stopped',
  DELETED: 'deleted',
  ERROR: 'error',
} as const;

/** nova.compute.task_states used here. */
export const TASK_STATE = {
  SCHEDULING: 'scheduling',
  NETWORKING: 'networking',
  BLOCK_DEVICE_MAPPING: 'block_device_mapping',
  SPAWNING: 'spawning',
  POWERING_OFF: 'powering-off',
  POWERING_ON: 'powering-on',
  REBOOTING: 'rebooting',
  REBOOTING_HARD: 'rebooting_hard',
  REBOOT_PENDING: 'reboot_pending',
  REBOOT_STARTED: 'reboot_started',
  REBOOT_PENDING_HARD: 'reboot_pending_hard',
  REBOOT_STARTED_HARD: 'reboot_started_hard',
  DELETING: 'deleting',
} as const;

export type ExpectedTaskState = string | null | (string | null)[];

/** True for the conductor's "the instance moved on" answer (a stale expectation). */
export function isUnexpectedTaskState(e: unknown): boolean {
  return (
    e instanceof RemoteRpcError &&
    (e.className === 'UnexpectedTaskStateError' || e.className === 'InstanceNotFound')
  );
}

/** One instance as we last saved it; every save sends only the changed fields. */
export class InstanceRecord {
  constructor(
    private readonly conductor: ConductorClient,
    readonly context: RpcContext,
    private obj: NovaObjectPrimitive,
  ) {}

  get uuid(): string {
    return String(objectData(this.obj).uuid);
  }

  get primitive(): NovaObjectPrimitive {
    return this.obj;
  }

  /** Instance.save(expected_task_state=...) with `updates`; throws RemoteRpcError on a stale expectation. */
  async save(updates: Record<string, unknown>, expected?: ExpectedTaskState): Promise<void> {
    const kwargs = expected === undefined ? {} : { expected_task_state: expected };
    const r = await this.conductor.objectAction(
      this.context,
      withChanges(this.obj, updates),
      'save',
      [],
      kwargs,
    );
    this.obj = applyUpdates(withChanges(this.obj, updates), r.updates);
  }

  /** Instance.destroy (the end of a delete). */
  async destroy(): Promise<void> {
    await this.conductor.objectAction(this.context, withChanges(this.obj, {}), 'destroy');
  }

  /** vm_state error + an InstanceFault, as nova-compute does when a build fails. */
  async fail(err: Error, host: string): Promise<void> {
    const code = err instanceof TranslateError ? 400 : 500;
    const message = err instanceof TranslateError ? `${err.novaClass}: ${err.message}` : err.message;
    const fault = makeObject('InstanceFault', {
      instance_uuid: this.uuid,
      code,
      message: message.slice(0, 255),
      details: err.stack ?? message,
      host,
    });
    await this.conductor.objectAction(this.context, fault, 'create');
    await this.save({ vm_state: VM_STATE.ERROR, task_state: null });
  }
}

/** A fresh admin request context for our own calls (heartbeats, resource updates). */
export function adminContext(): RpcContext {
  return {
    user_id: null,
    project_id: null,
    is_admin: true,
    read_deleted: 'no',
    roles: [],
    request_id: `req-${randomUUID()}`,
    global_request_id: null,
    auth_token: null,
    timestamp: new Date().toISOString().replace('Z', ''),
  };
}
