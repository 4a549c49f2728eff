import {
  ApiException,
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { realClock, type Clock } from './clock.js';
import { silentLogger } from './silent-logger.js';

export interface LeaderElectorOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** Lease name, e.g. `dpm-operator-leader`. */
  readonly leaseName: string;
  /** Unique per replica, e.g. `${hostname}_${uuid}`. */
  readonly identity: string;
  /** client-go defaults: 15 s / 10 s / 2 s. Must satisfy lease > renewDeadline > retryPeriod. */
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** Clear the lease on clean shutdown so another replica takes over at once (default true). */
  readonly releaseOnCancel?: boolean;
  /** Runs while leading; `signal` aborts when leadership ends for any reason. */
  readonly onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  readonly onStoppedLeading?: () => void;
  /** Called whenever the observed holder changes (including to ourselves). */
  readonly onNewLeader?: (identity: string) => void;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Random source for the retry jitter (client-go: retryPeriod * [1, 1.2)). */
  readonly random?: () => number;
}

function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, after client-go's `leaderelection`:
 * - acquire: the lease is free when it has no holder or when its record has not changed for
 *   `leaseDuration` of *our* clock (observed time, so clock skew between nodes does not matter);
 * - every write is a replace carrying the resourceVersion we read: a 409 means another replica
 *   won the race, and we retry after `retryPeriod`;
 * - while leading, renew every `retryPeriod`; when no renewal succeeded for `renewDeadline`, stop
 *   leading (abort the leading signal, call `onStoppedLeading`) and return from `run`;
 * - on clean shutdown (the `run` signal aborts) release: holder cleared, leaseDurationSeconds 1.
 */
export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly random: () => number;
  private leading = false;
  private observedAt = 0;
  private observedKey = '';
  private lastHolder: string | undefined;

  constructor(private readonly options: LeaderElectorOptions) {
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.clock = options.clock ?? realClock;
    this.log = (options.logger ?? silentLogger).child({
      lease: options.leaseName,
      identity: options.identity,
    });
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.random = options.random ?? Math.random;
    if (!(this.leaseDurationMs > this.renewDeadlineMs && this.renewDeadlineMs > this.retryPeriodMs)) {
      throw new RangeError('leader election needs leaseDuration > renewDeadline > retryPeriod');
    }
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Holder identity last seen in the lease ('' when released, undefined before the first read). */
  observedLeader(): string | undefined {
    return this.lastHolder;
  }

  /**
   * Campaigns until leading, leads until renewal fails or `signal` aborts, then returns. Callers
   * normally exit the process when `run` returns without their own shutdown (client-go does too).
   */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.acquire(signal))) return;
    const leadership = new AbortController();
    this.leading = true;
    this.log.info('started leading');
    const onAbort = (): void => leadership.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const leadingTask = Promise.resolve()
      .then(() => this.options.onStartedLeading(leadership.signal))
      .catch((err: unknown) => this.log.error({ err }, 'onStartedLeading failed'));
    try {
      await this.renewLoop(leadership.signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.leading = false;
      leadership.abort();
      this.log.info('stopped leading');
      try {
        this.options.onStoppedLeading?.();
      } catch (err) {
        this.log.error({ err }, 'onStoppedLeading failed');
      }
      await leadingTask;
      if (signal.aborted && (this.options.releaseOnCancel ?? true)) await this.release();
    }
  }

  private jitteredRetry(): number {
    return this.retryPeriodMs * (1 + 0.2 * this.random());
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) return true;
      await this.clock.sleep(this.jitteredRetry(), signal);
    }
    return false;
  }

  /** Resolves when leadership is lost (renew deadline passed) or `leadership` aborts. */
  private async renewLoop(leadership: AbortSignal): Promise<void> {
    let lastRenew = this.clock.now();
    while (!leadership.aborted) {
      await this.clock.sleep(this.retryPeriodMs, leadership);
      if (leadership.aborted) return;
      const remaining = lastRenew + this.renewDeadlineMs - this.clock.now();
      const renewed = remaining > 0 && (await this.withDeadline(this.tryAcquireOrRenew(), remaining));
      if (renewed) {
        lastRenew = this.clock.now();
      } else if (this.clock.now() - lastRenew >= this.renewDeadlineMs) {
        this.log.warn(
          { sinceLastRenewMs: this.clock.now() - lastRenew },
          'failed to renew lease; stepping down',
        );
        return;
      }
    }
  }

  private async withDeadline(attempt: Promise<boolean>, ms: number): Promise<boolean> {
    const timer = new AbortController();
    try {
      return await Promise.race([attempt, this.clock.sleep(ms, timer.signal).then(() => false)]);
    } finally {
      timer.abort();
    }
  }

  /** One attempt to create, take over or renew the lease; true when we hold it afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, leaseName: name, identity } = this.options;
    const now = this.clock.now();
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      renewTime: new V1MicroTime(now),
    };
    let current: V1Lease;
    try {
      current = await this.api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (statusOf(error) !== 404) {
        this.log.warn({ err: error }, 'reading the lease failed');
        return false;
      }
      try {
        const body = {
          metadata: { name, namespace },
          spec: { ...spec, acquireTime: new V1MicroTime(now), leaseTransitions: 0 },
        };
        this.observe(await this.api.createNamespacedLease({ namespace, body }));
        return true;
      } catch (createError) {
        if (statusOf(createError) !== 409) this.log.warn({ err: createError }, 'creating the lease failed');
        return false;
      }
    }
    this.observe(current);
    const holder = current.spec?.holderIdentity ?? '';
    const heldByOther = holder !== '' && holder !== identity;
    if (heldByOther && this.observedAt + this.leaseDurationMs > this.clock.now()) return false;

    const takingOver = holder !== identity;
    const body: V1Lease = {
      ...current,
      spec: {
        ...current.spec,
        ...spec,
        acquireTime: takingOver ? new V1MicroTime(now) : current.spec?.acquireTime,
        leaseTransitions: (current.spec?.leaseTransitions ?? 0) + (takingOver && holder !== '' ? 1 : 0),
      },
    };
    try {
      // `current.metadata.resourceVersion` is carried in `body`: optimistic locking.
      this.observe(await this.api.replaceNamespacedLease({ name, namespace, body }));
      return true;
    } catch (error) {
      if (statusOf(error) !== 409) this.log.warn({ err: error }, 'updating the lease failed');
      return false;
    }
  }

  /** Records the lease and, when its content changed, the local time we saw the change. */
  private observe(lease: V1Lease): void {
    const s = lease.spec;
    const key = `${s?.holderIdentity ?? ''}|${String(s?.renewTime ?? '')}|${lease.metadata?.resourceVersion ?? ''}`;
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedAt = this.clock.now();
    }
    const holder = s?.holderIdentity ?? '';
    if (holder !== this.lastHolder) {
      this.lastHolder = holder;
      if (holder !== '') this.options.onNewLeader?.(holder);
    }
  }

  /** Gives the lease up if we still hold it: holder cleared, 1 s duration. Never throws. */
  private async release(): Promise<void> {
    const { namespace, leaseName: name, identity } = this.options;
    try {
      const current = await this.api.readNamespacedLease({ name, namespace });
      if (current.spec?.holderIdentity !== identity) return;
      const now = new V1MicroTime(this.clock.now());
      const body: V1Lease = {
        ...current,
        spec: {
          ...current.spec,
          holderIdentity: undefined,
          leaseDurationSeconds: 1,
          renewTime: now,
          acquireTime: now,
        },
      };
      this.observe(await this.api.replaceNamespacedLease({ name, namespace, body }));
      this.log.info('released the lease');
    } catch (err) {
      this.log.warn({ err }, 'releasing the lease failed');
    }
  }
}
