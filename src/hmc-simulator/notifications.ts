// Notification hub: object notifications go to every session's object topic, job-completion to
// the job topic of the session that started the job. Each topic has its own
// `session-sequence-nr` counter (starting at 0), which also advances for dropped notifications
// so a client can detect gaps.
import type { FaultEngine } from './faults.js';
import type { Session, SessionStore } from './sessions.js';

export type NotificationType = 'property-change' | 'status-change' | 'inventory-change' | 'job-completion';

/** One STOMP subscription (implemented by the STOMP server). */
export interface TopicSubscriber {
  deliver(topic: string, headers: Record<string, string>, body: string): void;
}

export interface ObjectNotification {
  type: Exclude<NotificationType, 'job-completion'>;
  /** `class`, `object-uri`, `object-id`, `element-uri`, `element-id`, `action`, `name`. */
  headers: Record<string, string>;
  body?: unknown;
}

/** Topics owned elsewhere (OS message channels): whether one exists, and a subscriber joined it. */
export interface TopicSource {
  has(topic: string): boolean;
  subscribed?(topic: string): void;
}

export class NotificationHub {
  private readonly sources: TopicSource[] = [];
  private readonly seq = new Map<string, number>();
  private readonly subs = new Map<string, Set<TopicSubscriber>>();
  /** Object topics with subscribers; they keep receiving after their session ended. */
  private readonly subscribedObjectTopics = new Set<string>();

  constructor(
    private readonly sessions: SessionStore,
    private readonly faults: FaultEngine,
  ) {}

  subscribe(topic: string, sub: TopicSubscriber): void {
    let set = this.subs.get(topic);
    if (!set) this.subs.set(topic, (set = new Set()));
    set.add(sub);
    if (this.sessions.topicKind(topic) === 'object') this.subscribedObjectTopics.add(topic);
    for (const src of this.sources) if (src.has(topic)) src.subscribed?.(topic);
  }

  addTopicSource(src: TopicSource): void {
    this.sources.push(src);
  }

  /** Publishes on one topic of a TopicSource. */
  publishTo(topic: string, headers: Record<string, string>, body: string): void {
    this.send(topic, headers, body);
  }

  unsubscribe(topic: string, sub: TopicSubscriber): void {
    const set = this.subs.get(topic);
    set?.delete(sub);
    if (set && set.size === 0) {
      this.subs.delete(topic);
      this.subscribedObjectTopics.delete(topic);
    }
  }

  /** Whether `topic` may be subscribed: a live session's topic or one already subscribed. */
  topicExists(topic: string): boolean {
    return (
      this.subs.has(topic) ||
      this.sessions.topicKind(topic) !== undefined ||
      this.sources.some((s) => s.has(topic))
    );
  }

  publishObject(n: ObjectNotification): void {
    const body = n.body === undefined ? '' : JSON.stringify(n.body);
    const topics = new Set<string>();
    for (const s of this.sessions.all()) topics.add(s.objectTopic);
    for (const t of this.subscribedObjectTopics) topics.add(t);
    for (const t of topics) this.send(t, { 'notification-type': n.type, ...n.headers }, body);
  }

  publishJobCompletion(session: Pick<Session, 'jobTopic'>, jobUri: string): void {
    this.send(session.jobTopic, { 'notification-type': 'job-completion', 'job-uri': jobUri }, '');
  }

  private send(topic: string, headers: Record<string, string>, body: string): void {
    const n = this.seq.get(topic) ?? 0;
    this.seq.set(topic, n + 1);
    if (this.faults.dropNotification()) return;
    const full = { ...headers, 'session-sequence-nr': String(n), timestamp: String(Date.now()) };
    for (const sub of this.subs.get(topic) ?? []) sub.deliver(topic, full, body);
  }
}
