// One bridge per Nova compute host, whatever the number of replicas: a coordination.k8s.io Lease per
// host (the operator's leader election). Only the holder connects to RabbitMQ, consumes the host's
// queues and heartbeats; a standby campaigns and takes over when the holder releases the Lease
// (SIGTERM) or stops renewing it (killed: after the lease duration). The holder stops serving
// before its renew deadline passes, i.e. before a standby can take the Lease over.
import type * as k8s from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { LeaderElector } from '../runtime/leader-election.js';

/** The Lease of a compute host (the same for every release: one host is served once). */
export function hostLeaseName(host: string): string {
  return `nova-bridge-${host}`;
}

export interface Stoppable {
  stop(): Promise<void>;
}

export interface HostLeaseOptions {
  kubeConfig: k8s.KubeConfig;
  namespace: string;
  host: string;
  /** Unique per process, e.g. `${POD_NAME}_${random}`. */
  identity: string;
  leaseName?: string;
  /** client-go's defaults: 15 s / 10 s / 2 s. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Starts serving the host (called when the Lease is ours; retried until it succeeds or the Lease is lost). */
  start(): Promise<Stoppable>;
  log: Logger;
}

/**
 * Serves the host while holding its Lease, until `signal` aborts (then stops serving and releases the
 * Lease). Leadership lost without `signal`: stops serving and campaigns again.
 */
export async function serveWhileLeading(o: HostLeaseOptions, signal: AbortSignal): Promise<void> {
  const leaseName = o.leaseName ?? hostLeaseName(o.host);
  const log = o.log.child({ lease: leaseName, identity: o.identity });
  while (!signal.aborted) {
    const elector = new LeaderElector({
      kubeConfig: o.kubeConfig,
      namespace: o.namespace,
      leaseName,
      identity: o.identity,
      leaseDurationMs: o.leaseDurationMs,
      renewDeadlineMs: o.renewDeadlineMs,
      retryPeriodMs: o.retryPeriodMs,
      logger: log,
      onNewLeader: (holder) => {
        if (holder !== o.identity) log.info({ holder }, 'standby: the host is served by another bridge');
      },
      onStartedLeading: async (leading) => {
        const served = await startUntil(o, leading, log);
        if (!served) return;
        log.info('holding the host lease: serving');
        if (!leading.aborted)
          await new Promise<void>((r) => leading.addEventListener('abort', () => r(), { once: true }));
        await served.stop();
        log.info('stopped serving the host');
      },
    });
    await elector.run(signal);
    if (!signal.aborted) log.warn('lost the host lease: campaigning again');
  }
}

/** o.start() with backoff (RabbitMQ or the conductor may be down) while `leading` holds. */
async function startUntil(
  o: HostLeaseOptions,
  leading: AbortSignal,
  log: Logger,
): Promise<Stoppable | undefined> {
  let delayMs = 1000;
  while (!leading.aborted) {
    try {
      return await o.start();
    } catch (e) {
      log.error({ err: e, retryInMs: delayMs }, 'could not start serving the host');
      await sleep(delayMs, undefined, { signal: leading }).catch(() => undefined);
      delayMs = Math.min(delayMs * 2, 30_000);
    }
  }
  return undefined;
}
