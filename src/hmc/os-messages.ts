import type { Logger } from 'pino';
import { realDelay, type DelayFn } from './backoff.js';
import { silentLogger } from './logger.js';
import { DEFAULT_STOMP_PORT } from './notifications.js';
import type { HmcSession } from './session.js';
import { StompConnection } from './stomp.js';
import type { StompFrame } from './stomp-frame.js';

/** The WS API `os-message-info` object (List OS Messages, `os-message` notifications). */
export interface OsMessageInfo {
  readonly 'sequence-number': number;
  readonly 'message-id': number | string;
  readonly 'message-text': string;
  readonly 'is-priority'?: boolean;
  readonly 'is-held'?: boolean;
  readonly 'is-refresh'?: boolean;
  readonly 'prompt-text'?: string | null;
  readonly 'os-name'?: string;
  readonly timestamp?: number;
}

/** Query of List OS Messages; `maxMessages` keeps the FIRST n of the selection (HMC semantics). */
export interface OsMessageQuery {
  readonly begin?: number;
  readonly end?: number;
  readonly isHeld?: boolean;
  readonly isPriority?: boolean;
  readonly maxMessages?: number;
}

/**
 * A partition's operating system messages (the HMC's "Operating System Messages" task): list them,
 * open an OS message channel (a JMS topic of this session), send an OS command.
 */
export class OsMessageManager {
  constructor(private readonly session: HmcSession) {}

  /** `GET .../operations/list-os-messages`: one request; messages in sequence order. */
  async list(partitionUri: string, q: OsMessageQuery = {}): Promise<OsMessageInfo[]> {
    const params = new URLSearchParams();
    if (q.begin !== undefined) params.set('begin-sequence-number', String(q.begin));
    if (q.end !== undefined) params.set('end-sequence-number', String(q.end));
    if (q.isHeld !== undefined) params.set('is-held', String(q.isHeld));
    if (q.isPriority !== undefined) params.set('is-priority', String(q.isPriority));
    if (q.maxMessages) params.set('max-messages', String(q.maxMessages));
    const qs = params.toString();
    const res = await this.session.get<{ 'os-messages'?: OsMessageInfo[] }>(
      `${partitionUri}/operations/list-os-messages${qs ? `?${qs}` : ''}`,
    );
    return [...(res['os-messages'] ?? [])].sort((a, b) => a['sequence-number'] - b['sequence-number']);
  }

  /** `POST .../operations/open-os-message-channel` -> the topic name. Opening again is harmless. */
  async openChannel(partitionUri: string, includeRefreshMessages = true): Promise<string> {
    const res = await this.session.post<{ 'topic-name': string }>(
      `${partitionUri}/operations/open-os-message-channel`,
      { 'include-refresh-messages': includeRefreshMessages },
      { idempotent: true },
    );
    return res.body['topic-name'];
  }

  /** `POST .../operations/send-os-cmd` (204). Not repeated after an ambiguous failure. */
  async send(partitionUri: string, command: string, isPriority = false): Promise<void> {
    await this.session.post(`${partitionUri}/operations/send-os-cmd`, {
      'is-priority': isPriority,
      'operating-system-command-text': command,
    });
  }
}

export interface FollowOptions {
  /** STOMP port of the HMC (default 61612). */
  readonly stompPort?: number;
  /** Messages with a lower sequence number are not delivered (they were shown already). */
  readonly after?: number;
  /** After subscribing, list the messages from `after` once (closes the gap to an earlier list). */
  readonly catchUp?: boolean;
  readonly heartBeatMs?: number;
  readonly logger?: Logger;
  readonly delay?: DelayFn;
}

export interface OsMessageFollower {
  /** Stops following; resolves when the connection is closed. */
  close(): Promise<void>;
}

/**
 * Follows a partition's OS messages live: opens an OS message channel, subscribes to it over its
 * own STOMP connection and calls `onMessage` once per new message, in sequence order and never
 * twice. After a lost connection it reopens the channel (a new session has a new topic) and fills
 * the gap with one List OS Messages from the last number seen.
 */
export async function followOsMessages(
  session: HmcSession,
  partitionUri: string,
  onMessage: (m: OsMessageInfo) => void,
  opts: FollowOptions = {},
): Promise<OsMessageFollower> {
  const manager = new OsMessageManager(session);
  const log = (opts.logger ?? silentLogger()).child({ component: 'hmc-os-messages' });
  const delay = opts.delay ?? realDelay;
  const stop = new AbortController();
  let last = (opts.after ?? 0) - 1;
  let conn: StompConnection | undefined;
  const deliver = (ms: readonly OsMessageInfo[]): void => {
    for (const m of [...ms].sort((a, b) => a['sequence-number'] - b['sequence-number'])) {
      if (m['sequence-number'] <= last) continue;
      last = m['sequence-number'];
      onMessage(m);
    }
  };
  const connect = async (catchUp: boolean): Promise<StompConnection> => {
    const topic = await manager.openChannel(partitionUri, false);
    const info = session.sessionInfo ?? (await session.logon());
    const tls = session.tls;
    const c = await StompConnection.connect({
      host: info.hostname,
      port: opts.stompPort ?? DEFAULT_STOMP_PORT,
      login: info.sessionId,
      passcode: info.sessionCredential,
      ca: tls.ca,
      insecureSkipTLSVerify: tls.insecureSkipTLSVerify,
      heartBeatMs: opts.heartBeatMs,
    });
    c.on('message', (f: StompFrame) => {
      if (f.headers['notification-type'] !== 'os-message') return;
      try {
        const body = JSON.parse(f.body.toString('utf8')) as { 'os-messages'?: OsMessageInfo[] };
        deliver(body['os-messages'] ?? []);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'unparsable os-message notification');
      }
    });
    // Confirmed before the catch-up list, so a message is either listed or delivered, never lost.
    if (!(await c.subscribeConfirmed(`/topic/${topic}`, 'os')))
      log.warn({ topic }, 'no receipt for SUBSCRIBE');
    if (catchUp) deliver(await manager.list(partitionUri, { begin: last + 1 }));
    return c;
  };
  conn = await connect(opts.catchUp ?? false);
  const loop = async (): Promise<void> => {
    while (!stop.signal.aborted) {
      const current = conn;
      if (current) await new Promise<void>((resolve) => current.once('close', () => resolve()));
      conn = undefined;
      if (stop.signal.aborted) return;
      log.warn('OS message channel lost; reconnecting');
      await delay(1000, stop.signal).catch(() => undefined);
      if (stop.signal.aborted) return;
      try {
        conn = await connect(true);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'OS message channel reconnect failed');
      }
    }
  };
  const running = loop();
  return {
    async close() {
      stop.abort();
      const c = conn;
      conn = undefined;
      await c?.disconnect(1000);
      await running;
    },
  };
}
