import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { NotificationClient } from './notifications.js';

/**
 * Prometheus metrics of HMC requests, registered on a registry the caller owns. Several sessions
 * (one per HMC) may share one registry: the metrics are created once and labelled by `hmc`.
 * Routes are templates (`/api/partitions/{id}`), so label cardinality stays bounded.
 */
export class HmcMetrics {
  readonly requests: Counter<'hmc' | 'method' | 'route' | 'status'>;
  readonly duration: Histogram<'hmc' | 'method' | 'route'>;
  readonly errors: Counter<'hmc' | 'method' | 'route' | 'kind'>;
  readonly retries: Counter<'hmc' | 'method' | 'route'>;
  readonly relogons: Counter<'hmc'>;
  readonly jobDuration: Histogram<'hmc' | 'operation' | 'result'>;
  readonly notificationsConnected: Gauge<'hmc'>;
  readonly notificationResyncs: Counter<'hmc' | 'reason'>;
  readonly notificationsMissed: Counter<'hmc'>;

  constructor(registry: Registry) {
    this.requests = reuse(
      registry,
      'hmc_requests_total',
      () =>
        new Counter({
          name: 'hmc_requests_total',
          help: 'HMC Web Services requests by route template and HTTP status',
          labelNames: ['hmc', 'method', 'route', 'status'],
          registers: [registry],
        }),
    );
    this.duration = reuse(
      registry,
      'hmc_request_duration_seconds',
      () =>
        new Histogram({
          name: 'hmc_request_duration_seconds',
          help: 'Latency of single HMC Web Services requests (each attempt)',
          labelNames: ['hmc', 'method', 'route'],
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers: [registry],
        }),
    );
    this.errors = reuse(
      registry,
      'hmc_request_errors_total',
      () =>
        new Counter({
          name: 'hmc_request_errors_total',
          help: 'HMC requests that failed without an HTTP status (connection, tls, timeout)',
          labelNames: ['hmc', 'method', 'route', 'kind'],
          registers: [registry],
        }),
    );
    this.retries = reuse(
      registry,
      'hmc_request_retries_total',
      () =>
        new Counter({
          name: 'hmc_request_retries_total',
          help: 'HMC requests repeated after a transient failure',
          labelNames: ['hmc', 'method', 'route'],
          registers: [registry],
        }),
    );
    this.relogons = reuse(
      registry,
      'hmc_relogons_total',
      () =>
        new Counter({
          name: 'hmc_relogons_total',
          help: 'HMC sessions re-established after 403.4/403.5 (session expired)',
          labelNames: ['hmc'],
          registers: [registry],
        }),
    );
    this.jobDuration = reuse(
      registry,
      'hmc_job_duration_seconds',
      () =>
        new Histogram({
          name: 'hmc_job_duration_seconds',
          help: 'HMC jobs (start, stop) from submission to the end the operator saw; result complete, failed or lost',
          labelNames: ['hmc', 'operation', 'result'],
          buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900],
          registers: [registry],
        }),
    );
    this.notificationsConnected = reuse(
      registry,
      'hmc_notifications_connected',
      () =>
        new Gauge({
          name: 'hmc_notifications_connected',
          help: 'Whether the HMC notification (STOMP) connection is up (1) or down (0)',
          labelNames: ['hmc'],
          registers: [registry],
        }),
    );
    this.notificationResyncs = reuse(
      registry,
      'hmc_notification_resyncs_total',
      () =>
        new Counter({
          name: 'hmc_notification_resyncs_total',
          help: 'Relists because HMC notifications may have been missed (gap, reconnect, session-change)',
          labelNames: ['hmc', 'reason'],
          registers: [registry],
        }),
    );
    this.notificationsMissed = reuse(
      registry,
      'hmc_notifications_missed_total',
      () =>
        new Counter({
          name: 'hmc_notifications_missed_total',
          help: 'HMC notifications known lost (skipped session-sequence-nr values)',
          labelNames: ['hmc'],
          registers: [registry],
        }),
    );
  }

  /** Follows a notification client: connection state, resyncs and lost notifications. */
  watchNotifications(hmc: string, notifications: NotificationClient): void {
    this.notificationsConnected.set({ hmc }, notifications.connected ? 1 : 0);
    notifications.on('connected', () => this.notificationsConnected.set({ hmc }, 1));
    notifications.on('disconnected', () => this.notificationsConnected.set({ hmc }, 0));
    notifications.on('resync', (e) => {
      this.notificationResyncs.inc({ hmc, reason: e.reason });
      if (e.missed) this.notificationsMissed.inc({ hmc }, e.missed);
    });
  }
}

function reuse<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
