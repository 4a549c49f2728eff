// The compute RPC endpoint: de-duplication, version check, dispatch table, replies and heartbeats.
import type { Logger } from 'pino';
import { UniqueIdCache, buildReply, checkVersion, type RpcRequest } from './codec.js';
import { RpcFailure, noSuchMethod } from './errors.js';

/** Compute RPC API served: 6.x up to this minor (6.4 = Epoxy/Flamingo). */
export const DEFAULT_SERVED_VERSION = '6.4';

export type ComputeMethod = (req: RpcRequest) => Promise<unknown>;

export interface Replier {
  reply(replyQ: string, inner: Record<string, unknown>): Promise<void>;
}

export interface ComputeServerOptions {
  replier: Replier;
  methods: Readonly<Record<string, ComputeMethod>>;
  servedVersion?: string;
  log: Logger;
  /** Interval factory for heartbeats (tests may shorten it); default every `_timeout/2` s. */
  heartbeatMs?: (timeoutSeconds: number) => number;
}

/** Any error as what Nova rebuilds: RpcFailure as is, anything else as nova.exception.NovaException. */
export function toFailure(e: unknown): RpcFailure {
  if (e instanceof RpcFailure) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new RpcFailure({ className: 'NovaException', message, kwargs: { code: 500 } });
}

export class ComputeServer {
  private readonly dedup = new UniqueIdCache(16);
  private readonly served: string;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly opts: ComputeServerOptions) {
    this.served = opts.servedVersion ?? DEFAULT_SERVED_VERSION;
  }

  /** Handles one request; resolves when it is answered (calls) or done (casts). Never throws. */
  handle(req: RpcRequest): Promise<void> {
    const p = this.dispatch(req).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
    return p;
  }

  /** Waits for requests being handled. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private async dispatch(req: RpcRequest): Promise<void> {
    const log = this.opts.log.child({ method: req.method, requestId: req.context.request_id });
    if (this.dedup.seen(req.uniqueId)) {
      log.info({ uniqueId: req.uniqueId }, 'dropping a duplicate message');
      return;
    }
    const isCall = req.msgId !== undefined && req.replyQ !== undefined;
    let heartbeat: NodeJS.Timeout | undefined;
    if (isCall && typeof req.timeout === 'number' && req.timeout > 0) {
      const every = this.opts.heartbeatMs?.(req.timeout) ?? (req.timeout * 1000) / 2;
      heartbeat = setInterval(() => {
        this.opts.replier
          .reply(req.replyQ!, buildReply({ msgId: req.msgId!, ending: false }))
          .catch((e: unknown) => log.warn({ err: e }, 'heartbeat reply failed'));
      }, every);
    }
    let result: unknown = null;
    let failure: RpcFailure | null = null;
    try {
      const bad = checkVersion(req.version, this.served, req.method);
      if (bad) throw bad;
      const method = Object.hasOwn(this.opts.methods, req.method) ? this.opts.methods[req.method] : undefined;
      if (!method) throw noSuchMethod(req.method);
      log.info({ version: req.version, call: isCall }, 'compute RPC');
      result = await method(req);
    } catch (e) {
      failure = toFailure(e);
      log[isCall ? 'info' : 'error']({ err: e }, 'compute RPC failed');
    } finally {
      if (heartbeat) clearInterval(heartbeat);
    }
    if (!isCall) return;
    try {
      await this.opts.replier.reply(
        req.replyQ!,
        buildReply({ msgId: req.msgId!, result, failure, ending: true }),
      );
    } catch (e) {
      log.error({ err: e }, 'reply failed');
    }
  }
}
