import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkQueueMetrics } from './workqueue.js';

/** Outcome label of `dpm_reconcile_total` (controller-runtime: success, error, requeue, requeue_after). */
export type ReconcileResult = 'success' | 'error' | 'requeue' | 'requeue_after' | 'terminal_error';

export interface OperatorMetrics {
  readonly registry: Registry;
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileDuration: Histogram<'controller'>;
  readonly reconcileErrors: Counter<'controller' | 'reason'>;
  readonly workqueueDepth: Gauge<'controller'>;
  readonly workqueueAdds: Counter<'controller'>;
  readonly workqueueRetries: Counter<'controller'>;
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop lag, ...); default true. */
  readonly defaultMetrics?: boolean;
}

/** A fresh Registry (never prom-client's global one) holding the operator's metrics. */
export function createMetrics(options: MetricsOptions = {}): OperatorMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    reconcileTotal: new Counter({
      name: 'dpm_reconcile_total',
      help: 'Reconcile passes per controller and result.',
      labelNames: ['controller', 'result'],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'dpm_reconcile_duration_seconds',
      help: 'Duration of reconcile passes.',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    reconcileErrors: new Counter({
      name: 'dpm_reconcile_errors_total',
      help: 'Failed reconcile passes per controller and error reason.',
      labelNames: ['controller', 'reason'],
      registers,
    }),
    workqueueDepth: new Gauge({
      name: 'dpm_workqueue_depth',
      help: 'Keys waiting in the work queue.',
      labelNames: ['controller'],
      registers,
    }),
    workqueueAdds: new Counter({
      name: 'dpm_workqueue_adds_total',
      help: 'Keys added to the work queue.',
      labelNames: ['controller'],
      registers,
    }),
    workqueueRetries: new Counter({
      name: 'dpm_workqueue_retries_total',
      help: 'Rate-limited re-queues.',
      labelNames: ['controller'],
      registers,
    }),
  };
}

/** The work queue's metrics object for one controller. */
export function workQueueMetrics(metrics: OperatorMetrics, controller: string): WorkQueueMetrics {
  return {
    depth: metrics.workqueueDepth.labels({ controller }),
    adds: metrics.workqueueAdds.labels({ controller }),
    retries: metrics.workqueueRetries.labels({ controller }),
  };
}
