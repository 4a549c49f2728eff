// The oslo.messaging wire format (pure): envelope, requests, replies, failures, version checks and
// the `_unique_id` de-duplication of the rabbit driver. See docs/nova-bridge.md for the facts.
import { randomUUID } from 'node:crypto';
import { CodecError, RemoteRpcError, RpcFailure, unsupportedVersion } from './errors.js';

export const OSLO_VERSION = '2.0';
export const CONTENT_TYPE = 'application/json';
const CONTEXT_PREFIX = '_context_';

/** Request context as a plain dict (nova's RequestContext.to_dict()). */
export type RpcContext = Record<string, unknown>;

export interface RpcRequest {
  method: string;
  args: Record<string, unknown>;
  version?: string;
  namespace?: string | null;
  context: RpcContext;
  uniqueId?: string;
  /** Present for calls. */
  msgId?: string;
  replyQ?: string;
  /** Seconds; when set the server sends heartbeats every timeout/2 s. */
  timeout?: number | null;
}

export interface RpcReply {
  msgId: string;
  result: unknown;
  failure: RemoteRpcError | null;
  ending: boolean;
}

/** A uuid4 in hex without dashes, like oslo's `uuid.uuid4().hex`. */
export function hexId(): string {
  return randomUUID().replace(/-/g, '');
}

/** Wraps an inner message in the 2.0 envelope and encodes it. */
export function encodeEnvelope(inner: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify({ 'oslo.version': OSLO_VERSION, 'oslo.message': JSON.stringify(inner) }));
}

/** Decodes an envelope (or a legacy un-enveloped message) into the inner message. */
export function decodeEnvelope(body: Buffer | string, contentType?: string): Record<string, unknown> {
  if (contentType !== undefined && contentType !== CONTENT_TYPE)
    throw new CodecError(`unsupported content type ${contentType}`);
  let outer: unknown;
  try {
    outer = JSON.parse(body.toString());
  } catch (e) {
    throw new CodecError(`message is not JSON: ${(e as Error).message}`);
  }
  if (!isRecord(outer)) throw new CodecError('message is not a JSON object');
  if (!('oslo.message' in outer)) return outer; // oslo accepts messages without an envelope
  const version = outer['oslo.version'];
  if (typeof version !== 'string' || version.split('.')[0] !== OSLO_VERSION.split('.')[0])
    throw new CodecError(`unsupported envelope version ${String(version)}`);
  const inner: unknown = JSON.parse(String(outer['oslo.message']));
  if (!isRecord(inner)) throw new CodecError('oslo.message is not a JSON object');
  return inner;
}

/** Reads a request (cast or call) out of an inner message. */
export function parseRequest(inner: Record<string, unknown>): RpcRequest {
  const { method, args } = inner;
  if (typeof method !== 'string' || method === '') throw new CodecError('request without a method');
  if (args !== undefined && !isRecord(args)) throw new CodecError('request args is not an object');
  const context: RpcContext = {};
  for (const [k, v] of Object.entries(inner))
    if (k.startsWith(CONTEXT_PREFIX)) context[k.slice(CONTEXT_PREFIX.length)] = v;
  return {
    method,
    args: (args as Record<string, unknown> | undefined) ?? {},
    version: optString(inner.version),
    namespace: (inner.namespace as string | null | undefined) ?? null,
    context,
    uniqueId: optString(inner._unique_id),
    msgId: optString(inner._msg_id),
    replyQ: optString(inner._reply_q),
    timeout: typeof inner._timeout === 'number' ? inner._timeout : null,
  };
}

/** Builds the inner message of a request we send (cast when no msgId). */
export function buildRequest(req: RpcRequest): Record<string, unknown> {
  const out: Record<string, unknown> = { method: req.method, args: req.args };
  if (req.version !== undefined) out.version = req.version;
  if (req.namespace) out.namespace = req.namespace;
  if (req.msgId !== undefined) {
    out._msg_id = req.msgId;
    out._reply_q = req.replyQ;
    out._timeout = req.timeout ?? null;
  }
  out._unique_id = req.uniqueId ?? hexId();
  for (const [k, v] of Object.entries(req.context)) out[CONTEXT_PREFIX + k] = v;
  return out;
}

/** A reply; `failure` set means the call failed. `ending: false` with no result is a heartbeat. */
export function buildReply(opts: {
  msgId: string;
  result?: unknown;
  failure?: RpcFailure | null;
  ending: boolean;
}): Record<string, unknown> {
  return {
    result: opts.result ?? null,
    failure: opts.failure ? serializeFailure(opts.failure) : null,
    ending: opts.ending,
    _msg_id: opts.msgId,
    _unique_id: hexId(),
  };
}

/** Serializes an exception the way oslo's `serialize_remote_exception` does (a JSON string). */
export function serializeFailure(f: RpcFailure): string {
  return JSON.stringify({
    class: f.className,
    module: f.module,
    message: f.message,
    tb: [`${f.module}.${f.className}: ${f.message}\n`],
    args: f.args,
    kwargs: f.kwargs,
  });
}

/** Reads a reply to one of our calls. */
export function parseReply(inner: Record<string, unknown>): RpcReply {
  const msgId = optString(inner._msg_id);
  if (!msgId) throw new CodecError('reply without _msg_id');
  let failure: RemoteRpcError | null = null;
  if (inner.failure !== null && inner.failure !== undefined) {
    const f = (typeof inner.failure === 'string' ? JSON.parse(inner.failure) : inner.failure) as Record<
      string,
      unknown
    >;
    failure = new RemoteRpcError(
      String(f.class ?? 'RemoteError'),
      String(f.module ?? ''),
      String(f.message ?? ''),
      isRecord(f.kwargs) ? f.kwargs : {},
    );
  }
  return { msgId, result: inner.result ?? null, failure, ending: inner.ending === true };
}

/**
 * oslo's version check: same major and requested minor <= served minor. A request without a version
 * is treated as 1.0 by oslo. Returns the failure to send, or null when served.
 */
export function checkVersion(
  requested: string | undefined,
  served: string,
  method: string,
): RpcFailure | null {
  const [rMaj, rMin] = parseVersion(requested ?? '1.0');
  const [sMaj, sMin] = parseVersion(served);
  if (rMaj === sMaj && rMin <= sMin) return null;
  return unsupportedVersion(requested ?? '1.0', method);
}

function parseVersion(v: string): [number, number] {
  const m = /^(\d+)(?:\.(\d+))?/.exec(v);
  if (!m) throw new CodecError(`bad RPC version ${v}`);
  return [Number(m[1]), Number(m[2] ?? 0)];
}

/** The rabbit driver drops a message whose `_unique_id` is among the last `size` seen. */
export class UniqueIdCache {
  private readonly ids: string[] = [];
  constructor(private readonly size = 16) {}

  /** True when `id` was seen already (a duplicate); otherwise remembers it. */
  seen(id: string | undefined): boolean {
    if (id === undefined) return false;
    if (this.ids.includes(id)) return true;
    this.ids.push(id);
    if (this.ids.length > this.size) this.ids.shift();
    return false;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
