// The Partition reconciler: one Partition with its PartitionNics and PartitionHbas is one tree.
// observe (caches + HMC cache) -> plan (pure) -> act (one step) -> report (sole status writer) -> outcome.
import { isWrongState } from '../../hmc/errors.js';
import { isConflict } from '../kube.js';
import { done, requeue, retry, type Outcome } from '../outcome.js';
import { act, releaseChildren, type ActResult } from './act.js';
import type { Action } from './model.js';
import { JOB_POLL_MS, observe, type PartitionDeps, type PartitionSnapshot } from './observe.js';
import { planPass } from './plan.js';
import { childGraceLeftMs, report } from './report.js';

export type { PartitionDeps as PartitionReconcilerDeps } from './observe.js';

/** A wait with no event to end it looks again after this long (a safety net, not polling). */
const WAIT_RECHECK_MS = 30_000;
/** After the HMC said "not in this state" (409.1): its state changed under us; look again soon. */
const WRONG_STATE_RECHECK_MS = 1000;

/**
 * A job that ended well usually leaves the partition in sync: the pass that finished it then reports (and ends)
 * as the in-sync pass that would follow, one status write and one pass fewer per start.
 */
function afterJob(s: PartitionSnapshot, action: Action, result: ActResult): Action {
  if (action.kind !== 'finish-job' || !result.ok || result.failure) return action;
  const next = planPass({ ...s, job: undefined });
  return next.kind === 'in-sync' ? next : action;
}

export class PartitionReconciler {
  constructor(private readonly deps: PartitionDeps) {}

  async reconcile(key: string): Promise<Outcome> {
    const snap = await observe(this.deps, key);
    if (snap.kind === 'skip') return done;
    if (snap.kind === 'gone') {
      const deleting = <T extends { metadata: { deletionTimestamp?: unknown } }>(l: T[]): T[] =>
        l.filter((x) => x.metadata.deletionTimestamp);
      await releaseChildren(this.deps, deleting(snap.nics), deleting(snap.hbas));
      await report(this.deps, snap, { action: { kind: 'in-sync' }, result: { ok: true } });
      // Children younger than the grace are told once it has passed (if their Partition has not come).
      const left = childGraceLeftMs([...snap.nics, ...snap.hbas], (this.deps.now ?? (() => new Date()))());
      return left > 0 ? requeue(left) : done;
    }
    const t0 = performance.now();
    const planned = planPass(snap);
    const result = await act(planned, snap, this.deps);
    const action = afterJob(snap, planned, result);
    const t1 = performance.now();
    await report(this.deps, snap, { action, result });
    const ms = (x: number): number => Math.round(x);
    this.deps.log.debug(
      { partition: key, action: action.kind, actMs: ms(t1 - t0), reportMs: ms(performance.now() - t1) },
      'reconcile pass',
    );
    return this.outcome(snap, action, result);
  }

  private outcome(s: PartitionSnapshot, action: Action, result: ActResult): Outcome {
    if (!result.ok) {
      if (isConflict(result.error)) return requeue(WRONG_STATE_RECHECK_MS); // someone wrote first: quietly again
      const uri = s.observed.kind === 'present' ? s.observed.partition.uri : undefined;
      if (uri) s.gateway?.invalidate(uri);
      return isWrongState(result.error) ? requeue(WRONG_STATE_RECHECK_MS) : retry(result.error);
    }
    if (result.failure) return retry(new Error(`${result.failure.reason}: ${result.failure.message}`));
    switch (action.kind) {
      case 'in-sync':
      case 'blocked':
      case 'release':
      case 'add-finalizer': // the metadata update event brings the next pass
        return done;
      case 'wait':
        return requeue(action.recheckMs ?? WAIT_RECHECK_MS);
      case 'retry':
        return retry(action.error);
      case 'start':
      case 'stop': // the job's notifications bring the next pass; this is the bounded safety net
        return requeue(this.deps.jobPollMs ?? JOB_POLL_MS);
      default:
        return requeue(0);
    }
  }
}
