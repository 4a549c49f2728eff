// Public types of the HMC simulator (see docs/hmc-simulator.md).
import type { Logger } from 'pino';

/** A property bag of an HMC resource, as the WS API returns it. */
export type Props = Record<string, unknown>;

/** `"<METHOD> <route template>"`, e.g. `GET /api/partitions/{id}`. */
export type RouteKey = string;

interface FaultBase {
  /** `"<METHOD> <template>"`; omitted = every counted route. */
  readonly route?: RouteKey;
  /** Probability 0..1 that a matching request is affected (default 1). */
  readonly rate?: number;
  /** Apply at most this many times (default unlimited). */
  readonly count?: number;
}

/** Answer with an HMC error body instead of handling the request. */
export interface ErrorFault extends FaultBase {
  readonly kind: 'error';
  readonly httpStatus: number;
  readonly reason: number;
  readonly message?: string;
}
/** Delay the request by `ms` before handling it. */
export interface LatencyFault extends FaultBase {
  readonly kind: 'latency';
  readonly ms: number;
}
/** Destroy the socket without answering. */
export interface ResetFault extends FaultBase {
  readonly kind: 'reset';
}
/** Let a partition start/stop job end with an error (the partition falls back). */
export interface JobFailureFault extends FaultBase {
  readonly kind: 'job-failure';
  readonly operation: 'start' | 'stop';
  readonly httpStatus: number;
  readonly reason: number;
  readonly message?: string;
}
/** Do not deliver notifications (sequence numbers still advance, so gaps show). */
export interface DropNotificationsFault extends FaultBase {
  readonly kind: 'drop-notifications';
}

export type FaultRule = ErrorFault | LatencyFault | ResetFault | JobFailureFault | DropNotificationsFault;

export interface RouteStats {
  count: number;
  errors: number;
}
export interface SimStats {
  total: number;
  routes: Record<RouteKey, RouteStats>;
}

export interface SimulatorOptions {
  /** HTTPS port; 0 = a free port. Default 6794. */
  port?: number;
  /** STOMP over TLS port; 0 = a free port. Default 61612. */
  stompPort?: number;
  /** Listen address, default 127.0.0.1. */
  host?: string;
  /** HMC definition (zhmcclient format): a YAML path or the parsed object. Wins over `seedName`. */
  seed?: string | object;
  /**
   * A built-in seed: `current` (default, alias `z16`: a z16 with dpm-storage-management on, FCP
   * storage through storage groups) or `z13` (feature off, FCP storage through HBAs).
   */
  seedName?: 'current' | 'z16' | 'z13';
  /**
   * Pending storage volumes become `complete` this long after they are created (as if a SAN
   * administrator had done the work); 0 (default) = only on Fulfill FCP Storage Volume or the
   * `/_sim/storage/fulfill` admin call.
   */
  fulfillmentDelayMs?: number;
  /** Restore state from this file at start (if it exists) and save it at stop. */
  stateFile?: string;
  /** HMC userid; default from the seed's console users (`dpm`). */
  userid?: string;
  /** HMC password; default from the seed (`dpm-sim-password`). */
  password?: string;
  /** Duration of each partition transition (starting/stopping), default 300 ms. */
  jobDurationMs?: number;
  /** Idle timeout of WS API sessions (403.5 afterwards), default 1 hour. */
  sessionIdleTimeoutMs?: number;
  /** Maximum WS API sessions per userid (400.13 beyond), default 100. */
  maxSessions?: number;
  /** Initial fault rules. */
  faults?: FaultRule[];
  /** Directory with ca.pem, server.pem, server-key.pem; generated (and kept there) if missing. */
  tlsDir?: string;
  /** STOMP heart-beat the server offers/asks for, ms (default 5000). */
  stompHeartbeatMs?: number;
  logger?: Logger;
}

export interface SimAdmin {
  stats(): Promise<SimStats>;
  resetStats(): Promise<void>;
  setFaults(rules: FaultRule[]): Promise<void>;
  clearFaults(): Promise<void>;
  /** Expires every session, or only the given one. */
  expireSessions(sessionId?: string): Promise<void>;
  /**
   * Fulfills pending storage volumes like a SAN administrator: one volume (its element URI), all
   * of one storage group (its object URI), or every pending volume (no argument). Resolves to
   * the number of volumes fulfilled.
   */
  fulfillStorage(uri?: string): Promise<number>;
}

export interface RunningSimulator {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly stompPort: number;
  readonly caPem: string;
  readonly caPath: string;
  readonly userid: string;
  readonly password: string;
  readonly admin: SimAdmin;
  /** Stops both servers (saving state when a state file is configured). */
  stop(): Promise<void>;
}
