// Typed errors of the Nova bridge: what goes back to Nova as a serialized exception, what came back
// from a peer, and local failures (bad messages, translation, timeouts).

/** Module of the exception classes nova rebuilds on the caller's side. */
export const NOVA_EXCEPTION_MODULE = 'nova.exception';
/** Module of oslo.messaging's dispatcher exceptions (NoSuchMethod, UnsupportedVersion). */
export const OSLO_DISPATCHER_MODULE = 'oslo_messaging.rpc.dispatcher';

/**
 * An exception to be sent to the caller as an oslo.messaging failure: `className`/`module` name the
 * Python class the caller rebuilds, `kwargs` its keyword arguments (nova exceptions take `code` and
 * the format fields of their message).
 */
export class RpcFailure extends Error {
  override readonly name = 'RpcFailure';
  readonly className: string;
  readonly module: string;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;

  constructor(opts: {
    className: string;
    module?: string;
    message: string;
    args?: unknown[];
    kwargs?: Record<string, unknown>;
  }) {
    super(opts.message);
    this.className = opts.className;
    this.module = opts.module ?? NOVA_EXCEPTION_MODULE;
    this.args = opts.args ?? [opts.message];
    this.kwargs = opts.kwargs ?? {};
  }
}

/** `oslo_messaging.rpc.dispatcher.NoSuchMethod`: the endpoint has no such method. */
export function noSuchMethod(method: string): RpcFailure {
  return new RpcFailure({
    className: 'NoSuchMethod',
    module: OSLO_DISPATCHER_MODULE,
    message: `Endpoint does not support RPC method ${method}`,
    args: [method],
  });
}

/** `oslo_messaging.rpc.dispatcher.UnsupportedVersion`: no endpoint serves that version. */
export function unsupportedVersion(version: string, method: string): RpcFailure {
  return new RpcFailure({
    className: 'UnsupportedVersion',
    module: OSLO_DISPATCHER_MODULE,
    message: `Endpoint does not support RPC version ${version}. Attempted method: ${method}`,
    args: [version],
    kwargs: { method },
  });
}

/** A failure returned by the peer of a call we made (e.g. the conductor). */
export class RemoteRpcError extends Error {
  override readonly name = 'RemoteRpcError';
  constructor(
    readonly className: string,
    readonly module: string,
    readonly remoteMessage: string,
    readonly kwargs: Record<string, unknown> = {},
  ) {
    super(`${module}.${className}: ${remoteMessage}`);
  }
}

/** No reply to a call within its timeout. */
export class RpcTimeoutError extends Error {
  override readonly name = 'RpcTimeoutError';
  constructor(
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply to ${method} within ${timeoutMs} ms`);
  }
}

/** A message that is not a valid oslo.messaging message. */
export class CodecError extends Error {
  override readonly name = 'CodecError';
}

/** A Nova request that cannot be turned into partition resources (bad or unsupported input). */
export class TranslateError extends Error {
  override readonly name = 'TranslateError';
  constructor(
    /** nova.exception class reported to Nova in the instance fault. */
    readonly novaClass: string,
    message: string,
  ) {
    super(message);
  }
}
