import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { backoffDelay, realDelay, type BackoffPolicy, type DelayFn } from './backoff.js';
import { HmcTlsError } from './errors.js';
import { silentLogger } from './logger.js';
import type { HmcSession, SessionInfo } from './session.js';
import { StompConnection } from './stomp.js';
import type { StompFrame } from './stomp-frame.js';

/** The HMC's default STOMP-over-TLS port. */
export const DEFAULT_STOMP_PORT = 61612;

interface NotificationBase {
  /** `session-sequence-nr` (per topic); undefined if the HMC sent none. */
  readonly sequenceNr: number | undefined;
  readonly topic: string;
  readonly objectUri: string | undefined;
  readonly objectId: string | undefined;
  /** The `class` header, e.g. `partition`, `nic`, `cpc`. */
  readonly className: string | undefined;
  readonly elementUri: string | undefined;
  readonly elementId: string | undefined;
  /** All message headers as received. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface ChangeReport {
  readonly 'property-name'?: string;
  readonly 'old-value'?: unknown;
  readonly 'new-value'?: unknown;
  readonly 'new-status'?: string;
  readonly 'old-status'?: string;
  readonly 'new-additional-status'?: string;
  readonly 'has-unacceptable-status'?: boolean;
}

export interface StatusChangeNotification extends NotificationBase {
  readonly type: 'status-change';
  readonly changeReports: readonly ChangeReport[];
}
export interface PropertyChangeNotification extends NotificationBase {
  readonly type: 'property-change';
  readonly changeReports: readonly ChangeReport[];
}
export interface InventoryChangeNotification extends NotificationBase {
  readonly type: 'inventory-change';
  readonly action: 'add' | 'remove' | undefined;
}
export interface JobCompletionNotification extends NotificationBase {
  readonly type: 'job-completion';
  readonly jobUri: string;
}
export type HmcNotification =
  | StatusChangeNotification
  | PropertyChangeNotification
  | InventoryChangeNotification
  | JobCompletionNotification;

/** Why the consumer must relist: notifications may have been missed. */
export interface ResyncEvent {
  readonly reason: 'gap' | 'reconnect' | 'session-change';
  readonly topic?: string;
  /** For `gap`: how many sequence numbers were skipped. */
  readonly missed?: number;
}

export interface NotificationEvents {
  notification: [HmcNotification];
  'status-change': [StatusChangeNotification];
  'property-change': [PropertyChangeNotification];
  'inventory-change': [InventoryChangeNotification];
  'job-completion': [JobCompletionNotification];
  resync: [ResyncEvent];
  connected: [];
  disconnected: [Error | undefined];
}

export interface NotificationClientOptions {
  /** STOMP port of the HMC (default 61612). The host is the one the session logged on to. */
  readonly stompPort?: number;
  readonly heartBeatMs?: number;
  readonly connectTimeoutMs?: number;
  /** Backoff between reconnect attempts (default 500 ms doubling to 30 s, with jitter). */
  readonly reconnect?: BackoffPolicy;
  readonly logger?: Logger;
  readonly delay?: DelayFn;
  readonly random?: () => number;
}

/**
 * Subscribes to the session's object-notification and job-notification topics over STOMP and
 * emits typed events. Keeps the connection up: on loss it reconnects with capped backoff (through
 * an authenticated request first, so an expired session is renewed), and after any possible loss
 * of notifications (a reconnect, a new session, a jump in `session-sequence-nr`) emits `resync`,
 * on which consumers must relist the state they care about.
 */
export class NotificationClient extends EventEmitter<NotificationEvents> {
  private conn: StompConnection | undefined;
  private connectedSessionId: string | undefined;
  private readonly lastSeq = new Map<string, number>();
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly wake = new AbortController();
  private reconnectImmediately = false;
  private readonly log: Logger;
  private readonly delay: DelayFn;
  private readonly random: () => number;
  private readonly policy: BackoffPolicy;
  private everConnected = false;
  private unsubscribeSession: (() => void) | undefined;

  constructor(
    private readonly session: HmcSession,
    private readonly opts: NotificationClientOptions = {},
  ) {
    super();
    this.log = (opts.logger ?? silentLogger()).child({ component: 'hmc-notifications' });
    this.delay = opts.delay ?? realDelay;
    this.random = opts.random ?? Math.random;
    this.policy = opts.reconnect ?? { baseMs: 500, maxMs: 30_000 };
  }

  /** Whether a STOMP connection with both subscriptions is up. */
  get connected(): boolean {
    return this.conn !== undefined;
  }

  /**
   * Connect and subscribe; resolves after the first attempt. Rejects only if that attempt fails TLS
   * verification (a configuration error); other failures are retried in the background.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.unsubscribeSession = this.session.onSessionChange((info) => this.onSessionChange(info));
    let firstAttempt = 0;
    try {
      await this.connectOnce();
    } catch (err) {
      if (err instanceof HmcTlsError) throw err;
      this.log.warn({ err: (err as Error).message }, 'STOMP connect failed; retrying in the background');
      firstAttempt = 1;
    }
    this.running = this.loop(firstAttempt);
  }

  /** Disconnect and stop reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribeSession?.();
    this.wake.abort();
    const conn = this.conn;
    this.conn = undefined;
    await conn?.disconnect(1000);
    await this.running;
  }

  /** Drop the current STOMP connection (as a network failure would); the client reconnects. */
  dropConnection(): void {
    this.conn?.destroy();
  }

  private async loop(initialAttempt: number): Promise<void> {
    let attempt = initialAttempt;
    while (!this.stopped) {
      if (this.conn) {
        await this.waitForClose(this.conn);
        if (this.stopped) return;
        attempt = 1;
      }
      if (this.reconnectImmediately) {
        this.reconnectImmediately = false;
      } else if (attempt > 0) {
        await this.delay(backoffDelay(attempt, this.policy, this.random), this.wake.signal);
        if (this.stopped) return;
      }
      attempt++;
      try {
        await this.connectOnce();
        attempt = 0;
      } catch (err) {
        this.log.warn({ attempt, err: (err as Error).message }, 'STOMP reconnect failed');
      }
    }
  }

  private waitForClose(conn: StompConnection): Promise<void> {
    return new Promise((resolve) => {
      if (this.conn !== conn) return resolve();
      conn.once('close', () => resolve());
    });
  }

  private async connectOnce(): Promise<void> {
    // An authenticated request first: renews an expired session (and so its topics) transparently.
    await this.session.get('/api/sessions/operations/get-notification-topics');
    const info = this.session.sessionInfo ?? (await this.session.logon());
    const tls = this.session.tls;
    const conn = await StompConnection.connect({
      host: info.hostname,
      port: this.opts.stompPort ?? DEFAULT_STOMP_PORT,
      login: info.sessionId,
      passcode: info.sessionCredential,
      ca: tls.ca,
      insecureSkipTLSVerify: tls.insecureSkipTLSVerify,
      heartBeatMs: this.opts.heartBeatMs,
      connectTimeoutMs: this.opts.connectTimeoutMs,
    }).catch((err: unknown) => {
      if (err instanceof HmcTlsError) this.log.error({ err: err.message }, 'STOMP TLS verification failed');
      throw err;
    });
    if (this.stopped) {
      conn.destroy();
      return;
    }
    conn.on('message', (frame: StompFrame) => this.onMessage(frame));
    conn.once('close', (err: Error | undefined) => {
      if (this.conn !== conn) return;
      this.conn = undefined;
      this.log.warn({ err: err?.message }, 'STOMP connection lost');
      this.emit('disconnected', err);
    });
    conn.subscribe(`/topic/${info.notificationTopic}`, 'object');
    conn.subscribe(`/topic/${info.jobNotificationTopic}`, 'job');
    this.conn = conn;
    const sessionChanged =
      this.connectedSessionId !== undefined && this.connectedSessionId !== info.sessionId;
    this.connectedSessionId = info.sessionId;
    this.lastSeq.clear();
    this.log.info({ host: info.hostname }, 'subscribed to HMC notifications');
    this.emit('connected');
    if (this.everConnected) this.emit('resync', { reason: sessionChanged ? 'session-change' : 'reconnect' });
    this.everConnected = true;
  }

  private onSessionChange(info: SessionInfo): void {
    if (this.stopped || this.connectedSessionId === undefined || info.sessionId === this.connectedSessionId)
      return;
    // New session, new topics: reconnect with the new credentials at once.
    this.log.info('HMC session changed, resubscribing notifications');
    this.reconnectImmediately = true;
    this.conn?.destroy();
  }

  private onMessage(frame: StompFrame): void {
    const h = frame.headers;
    const topic = (h.destination ?? '').replace(/^\/topic\//, '');
    const seqText = h['session-sequence-nr'];
    const sequenceNr = seqText === undefined || seqText === '' ? undefined : Number(seqText);
    if (sequenceNr !== undefined && Number.isFinite(sequenceNr)) this.checkGap(topic, sequenceNr);
    const base: NotificationBase = {
      sequenceNr,
      topic,
      objectUri: h['object-uri'],
      objectId: h['object-id'],
      className: h.class,
      elementUri: h['element-uri'],
      elementId: h['element-id'],
      headers: h,
    };
    const type = h['notification-type'];
    let n: HmcNotification;
    switch (type) {
      case 'status-change':
      case 'property-change':
        n = { ...base, type, changeReports: changeReports(frame.body) };
        break;
      case 'inventory-change': {
        const action = h.action === 'add' || h.action === 'remove' ? h.action : undefined;
        n = { ...base, type, action };
        break;
      }
      case 'job-completion':
        if (!h['job-uri']) return;
        n = { ...base, type, jobUri: h['job-uri'] };
        break;
      default:
        this.log.debug({ type }, 'ignoring HMC notification type');
        return;
    }
    this.emit('notification', n);
    switch (n.type) {
      case 'status-change':
        this.emit('status-change', n);
        break;
      case 'property-change':
        this.emit('property-change', n);
        break;
      case 'inventory-change':
        this.emit('inventory-change', n);
        break;
      case 'job-completion':
        this.emit('job-completion', n);
        break;
    }
  }

  /** The first number seen on a topic is the baseline; a later jump means lost notifications. */
  private checkGap(topic: string, seq: number): void {
    const last = this.lastSeq.get(topic);
    this.lastSeq.set(topic, seq);
    if (last !== undefined && seq > last + 1) {
      this.log.warn({ topic, last, seq }, 'HMC notifications were lost');
      this.emit('resync', { reason: 'gap', topic, missed: seq - last - 1 });
    }
  }
}

function changeReports(body: Buffer): ChangeReport[] {
  if (body.length === 0) return [];
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { 'change-reports'?: ChangeReport[] };
    return Array.isArray(parsed['change-reports']) ? parsed['change-reports'] : [];
  } catch {
    return [];
  }
}
