// WS API sessions: logon/logoff, idle expiry, per-userid limits and notification topics.
import { randomBytes, randomUUID } from 'node:crypto';
import { badRequest, forbidden } from './errors.js';

export interface Session {
  readonly id: string;
  readonly credential: string;
  readonly userid: string;
  readonly objectTopic: string;
  readonly jobTopic: string;
  lastUsed: number;
}

export interface SessionStoreOptions {
  idleTimeoutMs: number;
  maxSessions: number;
  now?: () => number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;
  private readonly topics = new Map<string, 'object' | 'job'>();

  constructor(private readonly opts: SessionStoreOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Creates a session; 400.13 when the userid already holds `maxSessions`. */
  logon(userid: string): Session {
    this.sweep();
    let mine = 0;
    for (const s of this.sessions.values()) if (s.userid === userid) mine++;
    if (mine >= this.opts.maxSessions) {
      throw badRequest(
        13,
        `The maximum number of sessions (${this.opts.maxSessions}) for user ${userid} is reached`,
      );
    }
    const id = randomBytes(24).toString('base64url');
    const n = randomUUID().slice(0, 8);
    const s: Session = {
      id,
      credential: randomBytes(24).toString('base64url'),
      userid,
      objectTopic: `${userid}.${n}`,
      jobTopic: `${userid}.${n}job`,
      lastUsed: this.now(),
    };
    this.sessions.set(id, s);
    this.topics.set(s.objectTopic, 'object');
    this.topics.set(s.jobTopic, 'job');
    return s;
  }

  /** The live session for the X-API-Session header: 403.4 when absent, 403.5 when unknown/expired. */
  authenticate(header: string | undefined): Session {
    if (header === undefined || header === '') throw forbidden(4, 'The X-API-Session header is missing');
    const s = this.sessions.get(header);
    if (!s) throw forbidden(5, 'The session ID is not valid or the session has expired');
    if (this.now() - s.lastUsed > this.opts.idleTimeoutMs) {
      this.drop(s);
      throw forbidden(5, 'The session has expired');
    }
    s.lastUsed = this.now();
    return s;
  }

  /** A session id + credential pair (STOMP login), or undefined. */
  byCredential(id: string, credential: string): Session | undefined {
    const s = this.sessions.get(id);
    return s && s.credential === credential ? s : undefined;
  }

  logoff(id: string): void {
    const s = this.sessions.get(id);
    if (s) this.drop(s);
  }

  /** Expires one session or all; returns how many ended. */
  expire(id?: string): number {
    const victims = id === undefined ? [...this.sessions.values()] : [this.sessions.get(id)];
    let n = 0;
    for (const s of victims) if (s) n += this.drop(s);
    return n;
  }

  /** Which kind of topic of a live session `topic` is, if any. */
  topicKind(topic: string): 'object' | 'job' | undefined {
    return this.topics.get(topic);
  }

  all(): Iterable<Session> {
    return this.sessions.values();
  }

  private sweep(): void {
    const t = this.now();
    for (const s of [...this.sessions.values()]) if (t - s.lastUsed > this.opts.idleTimeoutMs) this.drop(s);
  }

  private drop(s: Session): number {
    this.topics.delete(s.objectTopic);
    this.topics.delete(s.jobTopic);
    return this.sessions.delete(s.id) ? 1 : 0;
  }
}
