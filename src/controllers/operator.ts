// The operator process: metrics/health server, leader election, informers, reconcilers, graceful shutdown.
import * as k8s from '@kubernetes/client-node';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { EventRecorder } from '../runtime/events.js';
import { HealthServer } from '../runtime/health.js';
import { reuseConnections } from '../runtime/kube-agent.js';
import { LeaderElector } from '../runtime/leader-election.js';
import { SecretSessionLedger } from '../runtime/session-ledger.js';
import { createMetrics } from '../runtime/metrics.js';
import { OperatorManager } from './manager.js';
import { registerResourceMetrics } from './resource-metrics.js';
import type { EventSink } from './outcome.js';

export interface OperatorOptions {
  kubeConfig: k8s.KubeConfig;
  namespaces: string[];
  concurrency: number;
  metricsPort: number;
  /** Address the metrics/health server binds (default 0.0.0.0: all interfaces, as in a pod). */
  metricsHost?: string;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  log: Logger;
  /** STOMP port override for HMCs that serve notifications elsewhere (the simulator in tests). */
  stompPort?: number;
  resyncMs?: number;
  subsetSelector?: string;
  /** The Secret the HMC session ids are recorded in (so a successor logs off what a killed process left). */
  sessionSecret?: { namespace: string; name: string };
  /**
   * The whole graceful stop (drain, logoff, Lease release) fits in this; keep it below the pod's
   * terminationGracePeriodSeconds. Default 25 s (the chart's grace period is 30 s).
   */
  shutdownTimeoutMs?: number;
}

export interface RunningOperator {
  readonly metricsPort: number;
  readonly manager: OperatorManager;
  /** Resolves when the operator stopped (signal, lost leadership). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

export function eventSink(rec: EventRecorder): EventSink {
  return {
    normal: (o, reason, message) => void rec.normal(o as k8s.KubernetesObject, reason, message),
    warning: (o, reason, message) => void rec.warning(o as k8s.KubernetesObject, reason, message),
  };
}

export async function startOperator(opts: OperatorOptions): Promise<RunningOperator> {
  const { log } = opts;
  reuseConnections(opts.kubeConfig); // one keep-alive agent instead of a TLS handshake per API call
  const identity = `${process.env.POD_NAME ?? hostname()}_${randomBytes(4).toString('hex')}`;
  const metrics = createMetrics();
  const ledger =
    opts.sessionSecret &&
    new SecretSessionLedger(opts.kubeConfig, opts.sessionSecret.namespace, opts.sessionSecret.name, log);
  if (!ledger)
    log.warn('no --session-secret: HMC sessions of a killed process stay logged on until they expire');
  const recorder = new EventRecorder({
    kubeConfig: opts.kubeConfig,
    component: 'dpm-operator',
    instance: identity,
    logger: log,
  });
  const manager = new OperatorManager({
    kubeConfig: opts.kubeConfig,
    namespaces: opts.namespaces,
    concurrency: opts.concurrency,
    log,
    events: eventSink(recorder),
    metricsRegistry: metrics.registry,
    stompPort: opts.stompPort,
    resyncMs: opts.resyncMs,
    subsetSelector: opts.subsetSelector,
    sessionLedger: ledger ? (key) => ledger.forConnection(key) : undefined,
    onReconcile: (controller, _key, result, seconds) => {
      metrics.reconcileTotal.inc({ controller, result });
      metrics.reconcileDuration.observe({ controller }, seconds);
      if (result === 'error') metrics.reconcileErrors.inc({ controller, reason: 'error' });
      metrics.workqueueDepth.set({ controller: 'partition' }, manager.partitionQueue.len());
    },
  });
  registerResourceMetrics(metrics.registry, {
    partitions: () => manager.partitions.list(),
    subsets: () => manager.subsets.list(),
  });
  const elector = opts.leaderElect
    ? new LeaderElector({
        kubeConfig: opts.kubeConfig,
        namespace: opts.leaseNamespace,
        leaseName: opts.leaseName,
        identity,
        logger: log,
        onStartedLeading: () => {
          log.info({ identity }, 'leading: starting reconcilers');
          manager.startWorkers();
        },
        onStoppedLeading: () => log.warn({ identity }, 'lost leadership: stopping'),
      })
    : undefined;
  const health = new HealthServer({
    port: opts.metricsPort,
    host: opts.metricsHost,
    registry: metrics.registry,
    informers: () =>
      new Map([
        [
          'crds',
          { hasSynced: () => manager.informersHealthy(), isHealthy: () => manager.informersHealthy() },
        ],
      ]),
    leaderElection: elector,
  });
  const metricsPort = await health.start();
  log.info(
    { metricsPort, namespaces: opts.namespaces.length ? opts.namespaces : 'all' },
    'dpm-operator starting',
  );
  const syncStart = Date.now();
  await manager.startInformers();
  log.info({ ms: Date.now() - syncStart }, 'informers synced');
  const abort = new AbortController();
  const shutdownMs = opts.shutdownTimeoutMs ?? 25_000;
  let leading: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  // Order matters: the Lease is released last, so no successor leads while this process still talks to
  // the HMC. 10 s of the budget are kept for the logoff (5 s timeout) and the Lease release.
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      const t0 = Date.now();
      log.info(
        { budgetMs: shutdownMs },
        'shutting down: finishing in-flight reconciles, logging off the HMC',
      );
      await manager.stop(Math.max(0, shutdownMs - 10_000));
      abort.abort();
      await leading;
      await health.stop();
      log.info({ ms: Date.now() - t0 }, 'stopped: HMC sessions logged off, Lease released');
    })());
  let done: Promise<void>;
  if (elector) {
    // run() returns when leadership is lost or, after stop(), when the Lease is released.
    leading = elector.run(abort.signal);
    done = leading.then(() => stop());
  } else {
    manager.startWorkers();
    done = new Promise<void>((resolve) =>
      abort.signal.addEventListener('abort', () => resolve(), { once: true }),
    ).then(() => stopped);
  }
  return { metricsPort, manager, done, stop };
}
