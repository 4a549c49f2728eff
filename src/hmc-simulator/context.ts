// The simulator's shared state handed to every route handler.
import type { Logger } from 'pino';
import type { FaultEngine } from './faults.js';
import type { JobStore } from './jobs.js';
import type { NotificationHub } from './notifications.js';
import type { Session, SessionStore } from './sessions.js';
import type { Store } from './store.js';
import type { RouteKey } from './types.js';

export interface SimConfig {
  userid: string;
  password: string;
  hmcName: string;
  hmcVersion: string;
  apiMajor: number;
  apiMinor: number;
  jobDurationMs: number;
  /** Pending storage volumes are fulfilled automatically after this delay; 0 = only on request. */
  fulfillmentDelayMs: number;
}

export interface SimContext {
  readonly store: Store;
  readonly sessions: SessionStore;
  readonly hub: NotificationHub;
  readonly jobs: JobStore;
  readonly faults: FaultEngine;
  readonly config: SimConfig;
  readonly log: Logger;
}

/** One parsed request as a route handler sees it. */
export interface SimRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Parsed JSON body, or undefined when there was none. */
  readonly body: unknown;
  /** The authenticated session (undefined only for routes without auth). */
  readonly session: Session | undefined;
  /** `"<METHOD> <template>"` of the matched route. */
  readonly route: RouteKey;
  /** Path parameters in template order. */
  readonly params: readonly string[];
}

export interface SimReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteDef {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  /** e.g. `/api/partitions/{id}/nics/{nic-id}` */
  readonly template: string;
  /** Needs an X-API-Session (default true). */
  readonly auth?: boolean;
  /** Counted in /_sim/stats (default true). */
  readonly counted?: boolean;
  /** Accepted query parameters (others -> 400.1). */
  readonly query?: readonly string[];
  handle(sim: SimContext, req: SimRequest): SimReply | Promise<SimReply>;
}

export const ok = (body: unknown): SimReply => ({ status: 200, body });
export const created = (body: unknown): SimReply => ({ status: 201, body });
export const noContent = (): SimReply => ({ status: 204 });
