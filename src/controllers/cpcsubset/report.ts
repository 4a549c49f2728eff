// Report for a CpcSubset: the only writer of its status; Events for a refusal that is new and for becoming Ready.
import {
  PLURAL,
  setCondition,
  type Condition,
  type CpcSubset,
  type CpcSubsetStatus,
} from '../../crds/index.js';
import type { Reason } from '../../crds/reasons.js';
import { storageModelOf, type CpcSubsetDeps } from './observe.js';
import type { SubsetPlan } from './plan.js';
import { sameJson } from '../same-json.js';

function conditions(subset: CpcSubset, ready: ['True' | 'False', Reason, string], now: Date): Condition[] {
  const gen = subset.metadata.generation;
  const [status, reason, message] = ready;
  let c = setCondition(
    subset.status?.conditions,
    { type: 'Ready', status, reason, message, observedGeneration: gen },
    now,
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
    now,
  );
  return c;
}

export async function reportSubset(
  d: CpcSubsetDeps,
  subset: CpcSubset,
  plan: SubsetPlan,
  now: Date,
): Promise<void> {
  const prevReady = subset.status?.conditions?.find((c) => c.type === 'Ready');
  let status: CpcSubsetStatus;
  switch (plan.kind) {
    case 'usage':
      status = { usage: plan.usage };
      break;
    case 'ready':
      status = {
        cpcUri: plan.cpc['object-uri'],
        cpcName: plan.cpc.name,
        seVersion: plan.cpc['se-version'],
        dpmEnabled: plan.cpc['dpm-enabled'] === true,
        storageModel: storageModelOf(plan.cpc),
        capacity: {
          ifls: plan.cpc['processor-count-ifl'],
          memoryMiB: plan.cpc['storage-customer'],
          maxPartitions: plan.cpc['maximum-partitions'],
        },
        usage: plan.usage,
        observedGeneration: subset.metadata.generation,
        conditions: conditions(subset, ['True', 'Available', `CPC ${plan.cpc.name} usable`], now),
      };
      if (prevReady?.status !== 'True') {
        d.events.normal(subset, 'Ready', `CPC ${plan.cpc.name} (${plan.cpc['object-uri']}) ready`);
      }
      break;
    case 'refused':
      status = {
        ...(plan.cpc
          ? {
              cpcUri: plan.cpc['object-uri'],
              cpcName: plan.cpc.name,
              dpmEnabled: plan.cpc['dpm-enabled'] === true,
              storageModel: storageModelOf(plan.cpc),
            }
          : {}),
        observedGeneration: subset.metadata.generation,
        conditions: conditions(subset, ['False', plan.reason, plan.message], now),
      };
      if (prevReady?.message !== plan.message) d.events.warning(subset, plan.reason, plan.message);
      break;
  }
  const strip = (cs?: Condition[]): unknown => cs?.map(({ lastTransitionTime: _t, ...r }) => r);
  const before = { ...subset.status, conditions: strip(subset.status?.conditions) };
  const after = {
    ...subset.status,
    ...status,
    conditions: strip(status.conditions ?? subset.status?.conditions),
  };
  if (sameJson(before, after)) return;
  await d.writer.patchStatus(
    {
      plural: PLURAL.CpcSubset,
      namespace: subset.metadata.namespace ?? '',
      name: subset.metadata.name ?? '',
    },
    status,
  );
}
