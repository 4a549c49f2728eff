/** The production HMC Web Services client (see client.ts for the entry point). */
export * from './errors.js';
export { HmcClient, createHmcClientFactory, type HmcClientFactory, type HmcClientOptions } from './client.js';
export type { SessionLedger, RecordedSession } from './session-ledger.js';
export {
  HmcSession,
  DEFAULT_HMC_PORT,
  type HmcSessionOptions,
  type RequestOptions,
  type SessionInfo,
} from './session.js';
export { type RetryPolicy } from './retry-policy.js';
export { JobManager, type JobStatus, type JobWaitOptions, type JobManagerOptions } from './jobs.js';
export * from './notifications.js';
export * from './cpc.js';
export * from './partition.js';
export * from './nic.js';
export * from './hba.js';
export * from './adapter.js';
export * from './port.js';
export * from './virtual-switch.js';
export * from './storage-group.js';
export * from './storage-volume.js';
export * from './virtual-storage-resource.js';
export * from './os-messages.js';
export { createHmcLogger, HMC_REDACT_PATHS } from './logger.js';
export { HmcMetrics } from './metrics.js';
export { sameHex } from './resource.js';
export { regexLiteral } from './uri.js';
