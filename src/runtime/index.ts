// The controller runtime: what controller-runtime gives Go operators, for this operator.
export { realClock, type Clock } from './clock.js';
export { exponentialBackoff, type BackoffOptions } from './backoff.js';
export { TokenBucket, type TokenBucketOptions } from './token-bucket.js';
export {
  WorkQueue,
  type WorkQueueMetrics,
  type WorkQueueOptions,
  type RunWorkersOptions,
} from './workqueue.js';
export {
  SupervisedInformer,
  watchPath,
  type InformerHandlers,
  type InformerStats,
  type SupervisedInformerOptions,
} from './informer.js';
export {
  allOf,
  anyOf,
  generationChanged,
  generationOrMetadataChanged,
  metadataChanged,
  type UpdatePredicate,
} from './predicates.js';
export { LeaderElector, type LeaderElectorOptions } from './leader-election.js';
export { createMetrics, workQueueMetrics, type OperatorMetrics, type ReconcileResult } from './metrics.js';
export { HealthServer, type HealthServerOptions, type ProbedInformer } from './health.js';
export { controllerLogger, createLogger, objectLogger, REDACT_PATHS, type LoggerOptions } from './logger.js';
export { EventRecorder, type EventRecorderOptions, type EventType } from './events.js';
