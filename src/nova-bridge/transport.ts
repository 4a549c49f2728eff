// oslo.messaging's rabbit driver, the parts a compute service needs, over amqplib: the control
// exchange, topic + server + fanout queues, replies on the default exchange, and outgoing calls with
// a private reply queue. Publisher confirms are on; messages are acked before they are dispatched.
import amqp from 'amqplib';
import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import type { Logger } from 'pino';
import {
  CONTENT_TYPE,
  buildRequest,
  decodeEnvelope,
  encodeEnvelope,
  hexId,
  parseReply,
  parseRequest,
  type RpcContext,
  type RpcRequest,
} from './codec.js';
import { CodecError, RpcTimeoutError } from './errors.js';

/** Queue and exchange flags; they must equal the deployment's or RabbitMQ answers 406. */
export interface QueueFlags {
  /** `[oslo_messaging_rabbit] amqp_durable_queues`. */
  durable: boolean;
  /** `[oslo_messaging_rabbit] rabbit_quorum_queue`. */
  quorum: boolean;
  /** `rabbit_transient_queues_ttl` (s) for fanout and reply queues; oslo's default 1800. */
  transientTtlSeconds: number;
}

export const DEFAULT_QUEUE_FLAGS: QueueFlags = { durable: false, quorum: false, transientTtlSeconds: 1800 };

export interface TransportOptions {
  /** oslo transport URL, `rabbit://user:pass@host:port/vhost` (the first host is used). */
  transportUrl: string;
  /** `control_exchange`, `nova` for Nova. */
  exchange?: string;
  flags?: QueueFlags;
  log: Logger;
}

/** An incoming request with the means to answer it (calls only). */
export type RequestHandler = (req: RpcRequest) => void;

/** `rabbit://u:p@h1:5672,u:p@h2:5672/vhost` -> `amqp://u:p@h1:5672/vhost` (first host). */
export function amqpUrl(transportUrl: string): string {
  const m = /^(?:rabbit|amqp|kombu\+amqp):\/\/([^/]*)(\/.*)?$/.exec(transportUrl);
  if (!m) throw new CodecError(`unsupported transport URL (rabbit:// expected): ${redact(transportUrl)}`);
  const first = m[1]!.split(',')[0]!;
  const vhost = m[2] && m[2] !== '/' ? m[2] : '/';
  return `amqp://${first}${vhost === '/' ? '' : vhost}`;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/g, '//$1:***@');
}

interface PendingCall {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
  result: unknown;
  method: string;
}

interface Serving {
  topic: string;
  server: string;
  handler: RequestHandler;
}

/**
 * One AMQP connection with a confirm channel. A lost connection (broker restart, network) is
 * re-established with backoff and every `serve` is declared and consumed again, as oslo.messaging's
 * rabbit driver does; calls pending at the loss fail at once (their replies are gone with the
 * reply queue).
 */
export class RpcTransport {
  private readonly exchange: string;
  private readonly flags: QueueFlags;
  private replyQueue?: Promise<string>;
  private readonly pending = new Map<string, PendingCall>();
  private readonly servings: Serving[] = [];
  private closed = false;
  private conn?: amqp.ChannelModel;
  private ch?: ConfirmChannel;
  private reconnecting?: Promise<void>;
  private readonly reconnected: (() => void)[] = [];
  /** Connections made so far (1 = never reconnected). */
  connections = 0;

  private constructor(
    private readonly opts: TransportOptions,
    private readonly log: Logger,
  ) {
    this.exchange = opts.exchange ?? 'nova';
    this.flags = opts.flags ?? DEFAULT_QUEUE_FLAGS;
  }

  static async connect(opts: TransportOptions): Promise<RpcTransport> {
    const t = new RpcTransport(opts, opts.log);
    await t.open();
    return t;
  }

  /** Calls `fn` after each reconnect, once the served queues consume again. */
  onReconnect(fn: () => void): void {
    this.reconnected.push(fn);
  }

  private async open(): Promise<void> {
    const conn = await amqp.connect(amqpUrl(this.opts.transportUrl), {
      clientProperties: { product: 'dpm-operator nova-bridge' },
    });
    conn.on('error', (e: Error) => this.log.error({ err: e }, 'AMQP connection error'));
    conn.on('close', () => this.onClosed(conn));
    const ch = await conn.createConfirmChannel();
    ch.on('return', (m: ConsumeMessage) =>
      this.log.warn({ routingKey: m.fields.routingKey }, 'unroutable message returned'),
    );
    this.conn = conn;
    this.ch = ch;
    this.replyQueue = undefined;
    this.connections++;
    for (const s of this.servings) await this.consume(s);
  }

  private onClosed(conn: amqp.ChannelModel): void {
    if (this.closed || conn !== this.conn) return;
    this.log.error('AMQP connection lost: reconnecting');
    this.ch = undefined;
    this.failPending(new Error('AMQP connection closed'));
    this.reconnecting ??= this.reconnect().finally(() => (this.reconnecting = undefined));
  }

  private async reconnect(): Promise<void> {
    let delayMs = 500;
    while (!this.closed) {
      await new Promise((r) => setTimeout(r, delayMs));
      if (this.closed) return;
      try {
        await this.open();
        this.log.info({ connections: this.connections }, 'AMQP connection re-established, serving again');
        for (const fn of this.reconnected) fn();
        return;
      } catch (e) {
        this.log.warn({ err: e, retryInMs: delayMs }, 'AMQP reconnect failed');
        delayMs = Math.min(delayMs * 2, 10_000);
      }
    }
  }

  private channel(): ConfirmChannel {
    if (!this.ch) throw new Error('AMQP connection lost (reconnecting)');
    return this.ch;
  }

  private get durable(): boolean {
    return this.flags.durable || this.flags.quorum;
  }

  private transientArgs(): Record<string, unknown> {
    return { 'x-expires': this.flags.transientTtlSeconds * 1000 };
  }

  /**
   * Consumes `topic`, `topic.server` and the fanout `topic_fanout` like an oslo RPC server.
   * Every message is acked, then decoded and handed to `handler`; duplicates are the handler's job.
   */
  async serve(topic: string, server: string, handler: RequestHandler): Promise<void> {
    const s = { topic, server, handler };
    await this.consume(s);
    this.servings.push(s);
  }

  private async consume({ topic, server, handler }: Serving): Promise<void> {
    const ch = this.channel();
    await ch.assertExchange(this.exchange, 'topic', { durable: this.durable, autoDelete: false });
    const queueArgs = this.flags.quorum ? { 'x-queue-type': 'quorum' } : undefined;
    for (const name of [topic, `${topic}.${server}`]) {
      await ch.assertQueue(name, { durable: this.durable, autoDelete: false, arguments: queueArgs });
      await ch.bindQueue(name, this.exchange, name);
    }
    const fanoutExchange = `${topic}_fanout`;
    const fanoutQueue = `${topic}_fanout_${hexId()}`;
    await ch.assertExchange(fanoutExchange, 'fanout', { durable: false, autoDelete: true });
    await ch.assertQueue(fanoutQueue, { durable: false, autoDelete: false, arguments: this.transientArgs() });
    await ch.bindQueue(fanoutQueue, fanoutExchange, topic);
    const onMessage = (msg: ConsumeMessage | null): void => {
      if (!msg) return;
      ch.ack(msg); // at-most-once, like oslo: ack before dispatch
      let req: RpcRequest;
      try {
        req = parseRequest(decodeEnvelope(msg.content, msg.properties.contentType as string | undefined));
      } catch (e) {
        this.log.error({ err: e, routingKey: msg.fields.routingKey }, 'dropping an undecodable message');
        return;
      }
      handler(req);
    };
    for (const q of [topic, `${topic}.${server}`, fanoutQueue])
      await ch.consume(q, onMessage, { noAck: false });
  }

  /** Sends a reply (or heartbeat) to a call's reply queue on the default exchange. */
  async reply(replyQ: string, inner: Record<string, unknown>): Promise<void> {
    await this.publish('', replyQ, inner, { mandatory: true });
  }

  /** Casts `method` to `topic` (optionally `topic.server`). */
  async cast(
    target: { topic: string; server?: string },
    req: Omit<RpcRequest, 'msgId' | 'replyQ'>,
  ): Promise<void> {
    await this.publish(this.exchange, routingKey(target), buildRequest(req));
  }

  /** Calls `method` on `topic` and resolves with the result; rejects with RemoteRpcError or RpcTimeoutError. */
  async call(
    target: { topic: string; server?: string },
    req: {
      method: string;
      args: Record<string, unknown>;
      version?: string;
      namespace?: string | null;
      context: RpcContext;
    },
    timeoutMs = 60_000,
  ): Promise<unknown> {
    const replyQ = await this.ensureReplyQueue();
    const msgId = hexId();
    const done = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(msgId);
        reject(new RpcTimeoutError(req.method, timeoutMs));
      }, timeoutMs);
      this.pending.set(msgId, { resolve, reject, timer, result: null, method: req.method });
    });
    try {
      await this.publish(
        this.exchange,
        routingKey(target),
        buildRequest({ ...req, msgId, replyQ, timeout: null }),
        {
          expiration: String(timeoutMs),
        },
      );
    } catch (e) {
      const p = this.pending.get(msgId);
      if (p) clearTimeout(p.timer);
      this.pending.delete(msgId);
      throw e;
    }
    return done;
  }

  private ensureReplyQueue(): Promise<string> {
    this.replyQueue ??= this.declareReplyQueue().catch((e: unknown) => {
      this.replyQueue = undefined;
      throw e;
    });
    return this.replyQueue;
  }

  private async declareReplyQueue(): Promise<string> {
    const ch = this.channel();
    const name = `reply_${hexId()}`;
    await ch.assertQueue(name, { durable: false, autoDelete: false, arguments: this.transientArgs() });
    await ch.consume(
      name,
      (msg) => {
        if (!msg) return;
        try {
          this.onReply(
            parseReply(decodeEnvelope(msg.content, msg.properties.contentType as string | undefined)),
          );
        } catch (e) {
          this.log.error({ err: e }, 'dropping an undecodable reply');
        }
      },
      { noAck: true },
    );
    return name;
  }

  private onReply(r: ReturnType<typeof parseReply>): void {
    const p = this.pending.get(r.msgId);
    if (!p) return; // late reply to a timed-out call
    if (r.failure) {
      this.settle(r.msgId);
      p.reject(r.failure);
      return;
    }
    if (r.result !== null) p.result = r.result;
    if (!r.ending) return; // heartbeat, or a result followed by a separate ending (old style)
    this.settle(r.msgId);
    p.resolve(p.result);
  }

  private settle(msgId: string): void {
    const p = this.pending.get(msgId);
    if (p) clearTimeout(p.timer);
    this.pending.delete(msgId);
  }

  private failPending(err: Error): void {
    for (const [id, p] of this.pending) {
      this.settle(id);
      p.reject(err);
    }
  }

  private publish(
    exchange: string,
    key: string,
    inner: Record<string, unknown>,
    extra: Options.Publish = {},
  ): Promise<void> {
    const ch = this.channel();
    return new Promise((resolve, reject) => {
      ch.publish(
        exchange,
        key,
        encodeEnvelope(inner),
        { contentType: CONTENT_TYPE, contentEncoding: 'utf-8', deliveryMode: 2, priority: 0, ...extra },
        (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
      );
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failPending(new Error('transport closed'));
    try {
      await this.reconnecting;
      await this.conn?.close();
    } catch (e) {
      this.log.debug({ err: e }, 'closing the AMQP connection');
    }
  }
}

function routingKey(target: { topic: string; server?: string }): string {
  return target.server ? `${target.topic}.${target.server}` : target.topic;
}
