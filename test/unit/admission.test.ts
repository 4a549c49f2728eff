import type { CpcSubset, Partition } from '../../src/crds/index.js';
import { admit } from '../../src/controllers/partition/admission.js';

function subset(limits: CpcSubset['spec']['limits'], usagePartitions?: number): CpcSubset {
  return {
    apiVersion: 'dpm.operator.dev/v1alpha1',
    kind: 'CpcSubset',
    metadata: { name: 'demo' },
    spec: { hmc: {} as CpcSubset['spec']['hmc'], cpc: { name: 'C' }, limits },
    status: usagePartitions === undefined ? undefined : { usage: { partitions: usagePartitions } },
  };
}

let n = 0;
function part(
  ifls: number,
  memMiB: number,
  opts: { created?: boolean; subset?: string; age?: number } = {},
): Partition {
  n += 1;
  return {
    apiVersion: 'dpm.operator.dev/v1alpha1',
    kind: 'Partition',
    metadata: {
      name: `p${n}`,
      uid: `uid-${n}`,
      creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, opts.age ?? n)) as never,
    },
    spec: {
      cpcSubsetRef: { name: opts.subset ?? 'demo' },
      processors: { ifls, mode: 'Shared' },
      memory: { initialMiB: memMiB, maximumMiB: memMiB },
      powerState: 'Active',
      boot: { type: 'None' },
      deletionPolicy: 'Delete',
      updateStrategy: 'WhileStopped',
    },
    status: opts.created ? { partitionUri: `/api/partitions/${n}` } : undefined,
  };
}

describe('admit (CpcSubset limits)', () => {
  const limits = { maxPartitions: 2, maxProcessors: 4, maxMemoryMiB: 8192 };

  it('admits in creation order until a limit is reached, naming the limit', () => {
    const a = part(2, 4096);
    const b = part(4, 4096);
    const c = part(1, 512);
    const all = [c, b, a];
    expect(admit(subset(limits), all, a)).toEqual({ admitted: true });
    expect(admit(subset(limits), all, b)).toEqual({ admitted: true });
    const refused = admit(subset(limits), all, c);
    expect(refused.admitted).toBe(false);
    expect(refused.message).toContain('maxPartitions 2');
  });

  it('refuses more IFLs than maxProcessors (IFLs are shared: the limit applies per partition)', () => {
    const big = part(5, 512);
    expect(admit(subset(limits), [big], big).message).toContain('spec.processors.ifls 5 exceeds');
  });

  it('sums initial memory', () => {
    const a = part(1, 6000);
    const b = part(1, 4000);
    const r = admit(subset(limits), [a, b], b);
    expect(r.admitted).toBe(false);
    expect(r.message).toContain('spec.memory.initialMiB 4000 exceeds the 2192 MiB left');
  });

  it('puts partitions already on the HMC first, whatever their age', () => {
    const young = part(1, 512, { created: true, age: 50 });
    const old = part(1, 512, { age: 1 });
    const older = part(1, 512, { age: 0 });
    const all = [old, older, young];
    expect(admit(subset(limits), all, young).admitted).toBe(true);
    expect(admit(subset(limits), all, older).admitted).toBe(true);
    expect(admit(subset(limits), all, old).admitted).toBe(false);
  });

  it('ignores other subsets and counts owned HMC partitions that have no CR', () => {
    const other = part(1, 512, { subset: 'other' });
    const a = part(1, 512);
    expect(admit(subset(limits), [other, a], a).admitted).toBe(true);
    const r = admit(subset(limits, 2), [other, a], a);
    expect(r.admitted).toBe(false);
    expect(r.message).toContain('2 owned HMC partitions without a Partition resource');
  });
});
