import type { KubernetesObject } from '@kubernetes/client-node';
import {
  allOf,
  anyOf,
  generationChanged,
  generationOrMetadataChanged,
} from '../../src/runtime/predicates.js';

interface Obj extends KubernetesObject {
  status?: { phase?: string };
}

const base: Obj = {
  metadata: {
    name: 'p',
    generation: 3,
    labels: { a: '1' },
    annotations: { x: 'y' },
    finalizers: ['dpm/f'],
    resourceVersion: '10',
  },
  status: { phase: 'Stopped' },
};

function withMeta(meta: Partial<NonNullable<Obj['metadata']>>, status?: Obj['status']): Obj {
  return {
    ...base,
    metadata: { ...base.metadata, resourceVersion: '11', ...meta },
    status: status ?? base.status,
  };
}

describe('generationOrMetadataChanged', () => {
  test.each([
    ['status only', withMeta({}, { phase: 'Active' }), false],
    ['identical (resync)', base, false],
    ['generation', withMeta({ generation: 4 }), true],
    ['label value', withMeta({ labels: { a: '2' } }), true],
    ['label added', withMeta({ labels: { a: '1', b: '1' } }), true],
    ['label renamed, same count', withMeta({ labels: { b: '1' } }), true],
    ['annotation removed', withMeta({ annotations: {} }), true],
    ['finalizer removed', withMeta({ finalizers: [] }), true],
    ['deletionTimestamp set', withMeta({ deletionTimestamp: new Date('2025-01-01T00:00:00Z') }), true],
  ])('%s -> %s', (_what, next, expected) => {
    expect(generationOrMetadataChanged(base, next)).toBe(expected);
  });

  test('a Date and its RFC 3339 string (list vs watch objects) are the same timestamp', () => {
    const d = withMeta({ deletionTimestamp: new Date('2025-01-01T00:00:00.000Z') });
    const s = withMeta({ deletionTimestamp: '2025-01-01T00:00:00.000Z' as unknown as Date });
    expect(generationOrMetadataChanged(d, s)).toBe(false);
  });

  test('allOf / anyOf combine predicates', () => {
    const labelsOnly = (o: Obj, n: Obj): boolean => o.metadata?.labels?.a !== n.metadata?.labels?.a;
    const next = withMeta({ generation: 4 });
    expect(anyOf<Obj>(generationChanged, labelsOnly)(base, next)).toBe(true);
    expect(allOf<Obj>(generationChanged, labelsOnly)(base, next)).toBe(false);
  });
});
