// The simulator's defaults, apart from the simulator itself: the CLI shows them in `hmc-sim --help`
// without loading the simulator (which `dpm-operator run` never needs).
export const DEFAULTS = {
  port: 6794,
  stompPort: 61612,
  host: '127.0.0.1',
  jobDurationMs: 300,
  sessionIdleTimeoutMs: 3_600_000,
  maxSessions: 100,
  stompHeartbeatMs: 5000,
  fulfillmentDelayMs: 0,
} as const;
