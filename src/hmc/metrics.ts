import { Counter, Histogram, type Registry } from 'prom-client';

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
  }
}

function reuse<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
