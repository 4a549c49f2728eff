// The CpcSubset reconciler: observe (caches; the HMC when a check is due) -> plan (pure) -> act -> report.
// A check costs two HMC requests per subset (CPC properties + one filtered partition list), never one per
// partition; between checks the usage columns follow the Partitions at no HMC cost.
import { done, requeue, retry, type Outcome } from '../outcome.js';
import { actSubset } from './act.js';
import { observeSubset, type CpcSubsetDeps, type LastCheck } from './observe.js';
import { planSubset } from './plan.js';
import { reportSubset } from './report.js';

export { checkCpc } from './plan.js';
export type { CpcSubsetDeps as CpcSubsetReconcilerDeps } from './observe.js';

/** A refusal only a person can fix (credentials, CPC name) is looked at again after this long. */
const REFUSED_RECHECK_MS = 30_000;

export class CpcSubsetReconciler {
  /** The last HMC check per subset key: when the next is due, and the orphans it found. */
  private readonly checks = new Map<string, LastCheck>();

  constructor(private readonly deps: CpcSubsetDeps) {}

  async reconcile(key: string): Promise<Outcome> {
    const snap = await observeSubset(this.deps, key, this.checks.get(key));
    await actSubset(this.deps, snap);
    if (snap.kind === 'gone') this.checks.delete(key);
    if (snap.kind !== 'subset') return done;
    const plan = planSubset(snap);
    await reportSubset(this.deps, snap.subset, plan, snap.now);
    if (plan.kind === 'ready') {
      this.checks.set(key, {
        at: snap.now.getTime(),
        generation: snap.subset.metadata.generation,
        orphans: plan.orphans,
      });
    }
    if (plan.kind === 'refused') {
      this.checks.delete(key);
      if (!plan.transient) return requeue(REFUSED_RECHECK_MS);
      this.deps.log.warn({ cpcsubset: key, reason: plan.reason, err: plan.message }, 'CpcSubset not ready');
      return retry(new Error(`${plan.reason}: ${plan.message}`));
    }
    // A usage pass keeps the periodic check's deadline (the queue keeps only the earliest one per key).
    const last = this.checks.get(key);
    return requeue(
      last ? Math.max(0, last.at + this.deps.resyncMs - snap.now.getTime()) : this.deps.resyncMs,
    );
  }
}
