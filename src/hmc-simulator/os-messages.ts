// Operating system messages of partitions, as the HMC keeps them: a bounded buffer per partition
// (the oldest non-held, non-priority message goes first), sequence numbers that never restart, and
// OS message channels (one JMS topic per session and partition) on which every new message is
// published as an `os-message` notification `{"os-messages":[os-message-info]}`.
import { randomUUID } from 'node:crypto';
import type { SimContext } from './context.js';
import { identity } from './events.js';
import {
  answer,
  bootLog,
  failedBootLog,
  shutdownLog,
  type GuestLine,
  type GuestView,
} from './os-messages-guest.js';
import type { Session } from './sessions.js';
import type { Resource } from './store.js';

/** The WS API `os-message-info` object. */
export interface OsMessageInfo {
  'sequence-number': number;
  'message-id': number;
  'message-text': string;
  'is-priority': boolean;
  'is-held': boolean;
  'is-refresh': boolean;
  'prompt-text': string | null;
  'os-name': string;
  /** Milliseconds since the epoch when the OS wrote the message. */
  timestamp: number;
}

export interface OsMessageFilter {
  begin?: number;
  end?: number;
  isHeld?: boolean;
  isPriority?: boolean;
  /** 0 = no limit; else the first N of the selection. */
  maxMessages?: number;
}

export interface OsChannel {
  readonly topic: string;
  readonly partitionUri: string;
  readonly sessionId: string;
  readonly includeRefresh: boolean;
}

/** Messages kept per partition (the real HMC keeps "a certain amount"). */
export const OS_MESSAGE_CAPACITY = 1000;

interface Log {
  nextSeq: number;
  messages: OsMessageInfo[];
}

export class OsConsole {
  private readonly logs = new Map<string, Log>();
  private readonly channels = new Map<string, OsChannel>();

  constructor(private readonly sim: SimContext) {
    sim.hub.addTopicSource({
      has: (topic) => this.channels.has(topic),
      subscribed: (topic) => this.refresh(topic),
    });
  }

  list(partitionUri: string, f: OsMessageFilter = {}): OsMessageInfo[] {
    const out = (this.logs.get(partitionUri)?.messages ?? []).filter(
      (m) =>
        (f.begin === undefined || m['sequence-number'] >= f.begin) &&
        (f.end === undefined || m['sequence-number'] <= f.end) &&
        (f.isHeld === undefined || m['is-held'] === f.isHeld) &&
        (f.isPriority === undefined || m['is-priority'] === f.isPriority),
    );
    return f.maxMessages ? out.slice(0, f.maxMessages) : out;
  }

  /** Open OS Message Channel: one topic per session and partition (opening again returns it). */
  openChannel(session: Session, partition: Resource, includeRefresh: boolean): OsChannel {
    const live = new Set([...this.sim.sessions.all()].map((s) => s.id));
    for (const [t, c] of this.channels) if (!live.has(c.sessionId)) this.channels.delete(t);
    for (const c of this.channels.values()) {
      if (c.sessionId === session.id && c.partitionUri === partition.uri) return c;
    }
    const c: OsChannel = {
      topic: `${session.objectTopic}os.${randomUUID().slice(0, 8)}`,
      partitionUri: partition.uri,
      sessionId: session.id,
      includeRefresh,
    };
    this.channels.set(c.topic, c);
    return c;
  }

  /** The os-message-notification topics of a session (Get Notification Topics). */
  topicsOf(sessionId: string): {
    'topic-type': string;
    'topic-name': string;
    'object-uri': string;
    'include-refresh-messages': boolean;
  }[] {
    return [...this.channels.values()]
      .filter((c) => c.sessionId === sessionId)
      .map((c) => ({
        'topic-type': 'os-message-notification',
        'topic-name': c.topic,
        'object-uri': c.partitionUri,
        'include-refresh-messages': c.includeRefresh,
      }));
  }

  /** The partition reached `active` (boot log) or its start failed (the guest's error). */
  started(partition: Resource, failed: boolean): void {
    const v = this.view(partition);
    this.write(partition, failed ? failedBootLog(v) : bootLog(v));
  }

  stopped(partition: Resource): void {
    this.write(partition, shutdownLog(this.view(partition)));
  }

  /** Send OS Command: the shell echoes the command and answers it. */
  command(partition: Resource, text: string, isPriority: boolean): void {
    const lines = answer(text, this.view(partition));
    this.write(
      partition,
      lines.map((l, i) => (i === 0 && isPriority ? { ...l, isPriority: true } : l)),
    );
  }

  private view(p: Resource): GuestView {
    const nics = this.sim.store.list(p.uri, 'nic').map((n) => n.props);
    const hba = this.sim.store.get(String(p.props['boot-storage-device'] ?? ''));
    const devno = hba?.cls === 'hba' ? String(hba.props['device-number'] ?? '').toLowerCase() : undefined;
    return { partition: p.props, nics, ...(devno ? { bootHbaDevno: devno } : {}) };
  }

  private write(p: Resource, lines: readonly GuestLine[]): void {
    let log = this.logs.get(p.uri);
    if (!log) this.logs.set(p.uri, (log = { nextSeq: 0, messages: [] }));
    const now = Date.now();
    const added = lines.map((l): OsMessageInfo => {
      const seq = log.nextSeq++;
      return {
        'sequence-number': seq,
        'message-id': seq,
        'message-text': l.text,
        'is-priority': l.isPriority ?? false,
        'is-held': l.isHeld ?? false,
        'is-refresh': false,
        'prompt-text': l.promptText ?? null,
        'os-name': String(p.props['os-name'] ?? ''),
        timestamp: now,
      };
    });
    log.messages.push(...added);
    while (log.messages.length > OS_MESSAGE_CAPACITY) {
      const i = log.messages.findIndex((m) => !m['is-held'] && !m['is-priority']);
      log.messages.splice(i < 0 ? 0 : i, 1);
    }
    for (const c of this.channels.values()) {
      if (c.partitionUri !== p.uri) continue;
      for (const m of added) this.publish(c, p, [m]);
    }
  }

  private publish(c: OsChannel, p: Resource, messages: OsMessageInfo[]): void {
    this.sim.hub.publishTo(
      c.topic,
      { 'notification-type': 'os-message', ...identity(p, this.sim) },
      JSON.stringify({ 'os-messages': messages }),
    );
  }

  /** A subscriber joined a channel opened with include-refresh-messages: resend what is kept. */
  private refresh(topic: string): void {
    const c = this.channels.get(topic);
    const p = c ? this.sim.store.get(c.partitionUri) : undefined;
    if (!c?.includeRefresh || !p) return;
    const kept = this.list(c.partitionUri).map((m) => ({ ...m, 'is-refresh': true }));
    // After the RECEIPT of the SUBSCRIBE frame, like any later notification.
    if (kept.length > 0) setImmediate(() => this.publish(c, p, kept));
  }
}

const consoles = new WeakMap<SimContext, OsConsole>();

/** The simulator's OS console state (created on first use). */
export function osConsole(sim: SimContext): OsConsole {
  let c = consoles.get(sim);
  if (!c) consoles.set(sim, (c = new OsConsole(sim)));
  return c;
}
