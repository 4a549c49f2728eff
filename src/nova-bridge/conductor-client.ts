// Calls to nova-conductor (topic `conductor`, API 3.0): how a compute service reads and writes
// objects without database access.
import type { RpcContext } from './codec.js';
import { OBJECT_VERSIONS, type NovaObjectPrimitive } from './objects.js';
import type { RpcTransport } from './transport.js';

export const CONDUCTOR_TOPIC = 'conductor';
export const CONDUCTOR_VERSION = '3.0';

export interface ObjectActionResult {
  updates: Record<string, unknown>;
  result: unknown;
}

/** The slice of RpcTransport the client uses (a test may pass another implementation). */
export type Caller = Pick<RpcTransport, 'call'>;

export class ConductorClient {
  constructor(
    private readonly transport: Caller,
    private readonly opts: { timeoutMs?: number; objectVersions?: Record<string, string> } = {},
  ) {}

  /** `object_action`: e.g. Instance.save, Service.create; returns the conductor's updates and result. */
  async objectAction(
    context: RpcContext,
    objinst: NovaObjectPrimitive,
    objmethod: string,
    args: unknown[] = [],
    kwargs: Record<string, unknown> = {},
  ): Promise<ObjectActionResult> {
    const r = await this.call(context, 'object_action', { objinst, objmethod, args, kwargs });
    const [updates, result] = Array.isArray(r) ? (r as [unknown, unknown]) : [{}, r];
    return { updates: (updates as Record<string, unknown> | null) ?? {}, result };
  }

  /** `object_class_action_versions`: e.g. Service.get_by_host_and_binary; null when not found. */
  async objectClassAction(
    context: RpcContext,
    objname: string,
    objmethod: string,
    args: unknown[] = [],
    kwargs: Record<string, unknown> = {},
  ): Promise<unknown> {
    return this.call(context, 'object_class_action_versions', {
      objname,
      objmethod,
      object_versions: this.opts.objectVersions ?? OBJECT_VERSIONS,
      args,
      kwargs,
    });
  }

  private call(context: RpcContext, method: string, args: Record<string, unknown>): Promise<unknown> {
    return this.transport.call(
      { topic: CONDUCTOR_TOPIC },
      { method, args, version: CONDUCTOR_VERSION, context },
      this.opts.timeoutMs ?? 60_000,
    );
  }
}
