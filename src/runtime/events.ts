import {
  ApiException,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { realClock, type Clock } from './clock.js';
import { silentLogger } from './silent-logger.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  readonly kubeConfig: KubeConfig;
  /** `source.component` / `reportingComponent`, e.g. `dpm-operator`. */
  readonly component: string;
  /** `source.host` / `reportingInstance`, e.g. the pod name. */
  readonly instance?: string;
  /** Repeats within this window update the existing Event; default 10 min (client-go). */
  readonly aggregationWindowMs?: number;
  /** Bound on remembered Events; the oldest are forgotten first. Default 4096. */
  readonly maxCached?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

interface Seen {
  readonly name: string;
  readonly namespace: string;
  count: number;
  lastSeen: number;
}

function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/**
 * Writes core/v1 Events about objects. Identical repeats (same object, type, reason and message)
 * within the aggregation window bump `count` and `lastTimestamp` of the existing Event instead of
 * creating a new one. Recording never throws or rejects: failures are logged, the caller's
 * reconcile goes on. Calls for the same repeat are serialized so a burst aggregates too.
 */
export class EventRecorder {
  private readonly api: CoreV1Api;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly windowMs: number;
  private readonly maxCached: number;
  private readonly seen = new Map<string, Seen>();
  private readonly tails = new Map<string, Promise<void>>();
  private sequence = 0;

  constructor(private readonly options: EventRecorderOptions) {
    this.api = options.kubeConfig.makeApiClient(CoreV1Api);
    this.clock = options.clock ?? realClock;
    this.log = (options.logger ?? silentLogger).child({ component: 'event-recorder' });
    this.windowMs = options.aggregationWindowMs ?? 600_000;
    this.maxCached = options.maxCached ?? 4096;
  }

  normal(obj: KubernetesObject, reason: string, message: string): Promise<void> {
    return this.record(obj, 'Normal', reason, message);
  }

  warning(obj: KubernetesObject, reason: string, message: string): Promise<void> {
    return this.record(obj, 'Warning', reason, message);
  }

  /** Resolves when the Event is written (or the failure logged); never rejects. */
  record(obj: KubernetesObject, type: EventType, reason: string, message: string): Promise<void> {
    const m = obj.metadata ?? {};
    const key = [
      m.uid ?? '',
      obj.apiVersion,
      obj.kind,
      m.namespace ?? '',
      m.name,
      type,
      reason,
      message,
    ].join('\u0000');
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.write(key, obj, type, reason, message));
    this.tails.set(key, next);
    void next.then(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
    return next;
  }

  private async write(
    key: string,
    obj: KubernetesObject,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<void> {
    const now = this.clock.now();
    try {
      const prior = this.seen.get(key);
      if (prior && now - prior.lastSeen <= this.windowMs) {
        if (await this.bump(prior, now)) return;
      }
      const created = await this.create(obj, type, reason, message, now);
      this.remember(key, {
        name: created.metadata?.name ?? '',
        namespace: created.metadata?.namespace ?? '',
        count: 1,
        lastSeen: now,
      });
    } catch (err) {
      this.log.warn({ err, reason, object: obj.metadata?.name }, 'could not record event');
    }
  }

  /** Updates count/lastTimestamp; false when the Event is gone (expired) and must be recreated. */
  private async bump(prior: Seen, now: number): Promise<boolean> {
    const count = prior.count + 1;
    try {
      await this.api.patchNamespacedEvent(
        {
          name: prior.name,
          namespace: prior.namespace,
          body: { count, lastTimestamp: new Date(now).toISOString() },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
    prior.count = count;
    prior.lastSeen = now;
    return true;
  }

  private create(
    obj: KubernetesObject,
    type: EventType,
    reason: string,
    message: string,
    now: number,
  ): Promise<CoreV1Event> {
    const m = obj.metadata ?? {};
    const namespace = m.namespace || 'default';
    const at = new Date(now);
    // Like client-go's `<name>.<unix nanos in hex>`; the sequence keeps same-millisecond names unique.
    const nanos = BigInt(now) * 1_000_000n + BigInt(this.sequence++ % 1_000_000);
    return this.api.createNamespacedEvent({
      namespace,
      body: {
        metadata: { name: `${m.name ?? 'object'}.${nanos.toString(16)}`, namespace },
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: m.name,
          namespace: m.namespace,
          uid: m.uid,
          resourceVersion: m.resourceVersion,
        },
        type,
        reason,
        // The API server rejects messages above 1 KiB in events.k8s.io; keep core Events in line.
        message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
        count: 1,
        firstTimestamp: at,
        lastTimestamp: at,
        source: { component: this.options.component, host: this.options.instance },
        reportingComponent: this.options.component,
        reportingInstance: this.options.instance ?? '',
      },
    });
  }

  private remember(key: string, entry: Seen): void {
    this.seen.delete(key);
    this.seen.set(key, entry);
    while (this.seen.size > this.maxCached) {
      const oldest = this.seen.keys().next().value;
      if (oldest === undefined) break;
      this.seen.delete(oldest);
    }
  }
}
