// The CpcSubset reconciler: connects to the HMC, finds the CPC, refuses a CPC that is not in DPM mode, not
// usable, or smaller than the limits, and reports capacity and usage. Costs two HMC requests per pass
// (CPC properties + one filtered partition list), never one per partition.
import type { Logger } from 'pino';
import {
  PLURAL,
  setCondition,
  type Condition,
  type CpcSubset,
  type CpcSubsetStatus,
  type Partition,
} from '../../crds/index.js';
import { HmcHttpError, NotFoundError } from '../../hmc/errors.js';
import { CredentialsError, type HmcConnection } from '../connections.js';
import type { KubeWriter } from '../kube.js';
import { isOwnedPartitionName, ownedPartitionNameFilter } from '../naming.js';
import { done, requeue, type EventSink, type Outcome, type ReadCache } from '../outcome.js';

/** CPC statuses in which partitions can be managed (as nova-dpm accepted them). */
const USABLE_CPC_STATUS = new Set(['active', 'service-required', 'degraded', 'exceptions']);

export interface CpcSubsetReconcilerDeps {
  subsets: ReadCache<CpcSubset>;
  partitions: ReadCache<Partition>;
  connect(subset: CpcSubset): Promise<HmcConnection>;
  /** Releases the HMC connection of a deleted subset (logoff when no other subset shares it). */
  disconnect(key: string): Promise<void>;
  writer: KubeWriter;
  events: EventSink;
  log: Logger;
  /** Periodic re-check of CPC health and usage (jittered by the caller's queue). */
  resyncMs: number;
  /** Called with partition URIs whose HMC state drifted from the cache (lost notifications). */
  onDrift(uris: string[]): void;
  /** Called when the subset becomes Ready, so its partitions reconcile. */
  onReady(namespace: string, subsetName: string): void;
  now?: () => Date;
}

interface CpcProps {
  'object-uri': string;
  name: string;
  'dpm-enabled'?: boolean;
  'se-version'?: string;
  status?: string;
  'processor-count-ifl'?: number;
  'storage-customer'?: number;
  'maximum-partitions'?: number;
}

/** Pure: the refusal message for a CPC that cannot host this subset, or undefined when it fits. */
export function checkCpc(subset: CpcSubset, cpc: CpcProps): { reason: string; message: string } | undefined {
  const l = subset.spec.limits;
  if (cpc['dpm-enabled'] !== true) {
    return {
      reason: 'CpcNotDpmEnabled',
      message: `CPC ${cpc.name} is not in DPM mode (dpm-enabled is false)`,
    };
  }
  if (!USABLE_CPC_STATUS.has(cpc.status ?? '')) {
    return { reason: 'CpcNotUsable', message: `CPC ${cpc.name} status is ${cpc.status}` };
  }
  const problems: string[] = [];
  if (cpc['processor-count-ifl'] !== undefined && l.maxProcessors > cpc['processor-count-ifl']) {
    problems.push(`spec.limits.maxProcessors ${l.maxProcessors} > CPC IFLs ${cpc['processor-count-ifl']}`);
  }
  if (cpc['storage-customer'] !== undefined && l.maxMemoryMiB > cpc['storage-customer']) {
    problems.push(`spec.limits.maxMemoryMiB ${l.maxMemoryMiB} > CPC memory ${cpc['storage-customer']} MiB`);
  }
  if (cpc['maximum-partitions'] !== undefined && l.maxPartitions > cpc['maximum-partitions']) {
    problems.push(`spec.limits.maxPartitions ${l.maxPartitions} > CPC maximum ${cpc['maximum-partitions']}`);
  }
  return problems.length ? { reason: 'LimitsExceedCapacity', message: problems.join('; ') } : undefined;
}

export class CpcSubsetReconciler {
  private readonly now: () => Date;

  constructor(private readonly deps: CpcSubsetReconcilerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async reconcile(key: string): Promise<Outcome> {
    const [ns = '', name = ''] = key.split('/');
    const subset = this.deps.subsets.get(ns, name);
    if (!subset) {
      await this.deps.disconnect(key);
      return done;
    }
    if (subset.metadata.annotations?.['dpm.operator.dev/paused'] === 'true') return done;
    const log = this.deps.log.child({ cpcsubset: key });
    try {
      const conn = await this.deps.connect(subset);
      const cpc = await this.findCpc(conn, subset);
      const refusal = checkCpc(subset, cpc);
      const owned = await conn.gateway.listPartitions(cpc['object-uri'], ownedPartitionNameFilter(name));
      const drifted = conn.gateway.reconcileList(owned, (n) => isOwnedPartitionName(name, n));
      if (drifted.length) {
        log.info(
          { drifted: drifted.length },
          'HMC state drifted from the notification-fed cache; resyncing those partitions',
        );
        this.deps.onDrift(drifted);
      }
      const mine = this.deps.partitions
        .list(ns)
        .filter((p) => p.spec.cpcSubsetRef.name === name && p.status?.partitionUri);
      const status: CpcSubsetStatus = {
        cpcUri: cpc['object-uri'],
        cpcName: cpc.name,
        seVersion: cpc['se-version'],
        dpmEnabled: cpc['dpm-enabled'] === true,
        capacity: {
          ifls: cpc['processor-count-ifl'],
          memoryMiB: cpc['storage-customer'],
          maxPartitions: cpc['maximum-partitions'],
        },
        usage: {
          partitions: owned.length,
          // IFLs are shared: usage is the largest partition, as nova-dpm reported it; memory is the sum.
          processors: Math.max(0, ...mine.map((p) => p.spec.processors.ifls)),
          memoryMiB: mine.reduce((sum, p) => sum + p.spec.memory.initialMiB, 0),
        },
        observedGeneration: subset.metadata.generation,
        conditions: this.conds(
          subset,
          refusal
            ? ['False', refusal.reason, refusal.message]
            : ['True', 'Available', `CPC ${cpc.name} usable`],
        ),
      };
      const wasReady = subset.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      if (
        refusal &&
        subset.status?.conditions?.find((c) => c.type === 'Ready')?.message !== refusal.message
      ) {
        this.deps.events.warning(subset, refusal.reason, refusal.message);
      }
      await this.write(subset, status);
      if (!refusal && !wasReady) {
        this.deps.events.normal(subset, 'Ready', `CPC ${cpc.name} (${cpc['object-uri']}) ready`);
        this.deps.onReady(ns, name);
      }
      return requeue(this.deps.resyncMs);
    } catch (e) {
      const reason =
        e instanceof CredentialsError
          ? 'CredentialsNotFound'
          : e instanceof NotFoundError
            ? 'CpcNotFound'
            : e instanceof HmcHttpError
              ? e.httpStatus === 403
                ? 'HmcAuthenticationFailed'
                : e.httpStatus === 404
                  ? 'CpcNotFound'
                  : 'HmcError'
              : 'HmcUnreachable';
      const field = subset.spec.cpc.objectId ? 'spec.cpc.objectId' : 'spec.cpc.name';
      const raw = e instanceof Error ? e.message : String(e);
      const message = e instanceof NotFoundError ? `${field}: ${raw} on the HMC` : raw;
      log.warn({ reason, err: message }, 'CpcSubset not ready');
      if (subset.status?.conditions?.find((c) => c.type === 'Ready')?.message !== message) {
        this.deps.events.warning(subset, reason, message);
      }
      await this.write(subset, {
        observedGeneration: subset.metadata.generation,
        conditions: this.conds(subset, ['False', reason, message]),
      });
      if (e instanceof CredentialsError || reason === 'CpcNotFound') return requeue(30_000);
      throw e;
    }
  }

  /** The CPC's properties: by object-id one request, by name two (the filtered list, then the CPC). */
  private async findCpc(conn: HmcConnection, subset: CpcSubset): Promise<CpcProps> {
    const sel = subset.spec.cpc;
    const cpcs = conn.client.cpcs;
    if (sel.objectId) return (await cpcs.findByObjectId(sel.objectId)) as unknown as CpcProps;
    return (await cpcs.get((await cpcs.findByName(sel.name ?? ''))['object-uri'])) as unknown as CpcProps;
  }

  private conds(
    subset: CpcSubset,
    [status, reason, message]: ['True' | 'False', string, string],
  ): Condition[] {
    const gen = subset.metadata.generation;
    let c = setCondition(
      subset.status?.conditions,
      { type: 'Ready', status, reason, message, observedGeneration: gen },
      this.now(),
    );
    c = setCondition(
      c,
      {
        type: 'Synced',
        status: 'True',
        reason: 'ReconcileSuccess',
        message: 'checked the CPC',
        observedGeneration: gen,
      },
      this.now(),
    );
    return c;
  }

  private async write(subset: CpcSubset, status: CpcSubsetStatus): Promise<void> {
    const strip = (cs?: Condition[]): unknown => cs?.map(({ lastTransitionTime: _t, ...r }) => r);
    const before = JSON.stringify({ ...subset.status, conditions: strip(subset.status?.conditions) });
    const after = JSON.stringify({ ...subset.status, ...status, conditions: strip(status.conditions) });
    if (before === after) return;
    await this.deps.writer.patchStatus(
      {
        plural: PLURAL.CpcSubset,
        namespace: subset.metadata.namespace ?? '',
        name: subset.metadata.name ?? '',
      },
      status,
    );
  }
}
