// The StorageGroup reconciler: observe (caches + notification-invalidated HMC cache) -> plan (pure) ->
// act (one HMC step) -> report (sole status writer) -> outcome. Fulfillment changes arrive as HMC
// property-change notifications (the manager routes them here and drops the cached group): no polling.
import { isWrongState } from '../../hmc/errors.js';
import { isConflict } from '../kube.js';
import { done, requeue, retry, type Outcome } from '../outcome.js';
import { act, type ActResult } from './act.js';
import type { Action } from './model.js';
import { ObservedCache, observe, type StorageGroupDeps } from './observe.js';
import { FULFILLMENT_RECHECK_MS, planPass } from './plan.js';
import { report } from './report.js';

export type { StorageGroupDeps } from './observe.js';

export class StorageGroupReconciler {
  readonly cache = new ObservedCache();

  constructor(private readonly deps: StorageGroupDeps) {}

  async reconcile(key: string): Promise<Outcome> {
    const snap = await observe(this.deps, this.cache, key);
    if (snap.kind !== 'storage-group') return done;
    const action = planPass(snap);
    if (action.kind !== 'in-sync' && action.kind !== 'wait' && action.kind !== 'blocked')
      this.deps.log.debug(
        { storageGroup: key, action: action.kind, why: 'why' in action ? action.why : undefined },
        'next action',
      );
    const result = await act(action, snap, this.deps, this.cache);
    await report(this.deps, snap, action, result);
    const pending = snap.observed.kind === 'present' && snap.observed.group.fulfillmentState !== 'complete';
    return outcome(action, result, pending);
  }
}

function outcome(action: Action, result: ActResult, fulfillmentPending: boolean): Outcome {
  if (!result.ok) {
    if (isConflict(result.error) || isWrongState(result.error)) return requeue(1000);
    return retry(result.error);
  }
  switch (action.kind) {
    case 'blocked':
    case 'add-finalizer': // the metadata update event brings the next pass
    case 'release':
      return done;
    case 'wait':
      return requeue(action.recheckMs ?? 30_000);
    case 'in-sync':
      // Pending fulfillment ends with a notification; this long recheck only covers a lost one.
      return fulfillmentPending ? requeue(FULFILLMENT_RECHECK_MS) : done;
    default:
      return requeue(0);
  }
}
