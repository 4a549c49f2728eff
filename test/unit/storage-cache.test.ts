// The StorageGroup controller's observed-group cache: what our own writes answered and what HMC notifications
// say are applied to it; only what a notification cannot tell (an added VSR's properties) makes a part stale.
import { ObservedCache } from '../../src/controllers/storagegroup/cache.js';
import type { DesiredGroup, ObservedGroup } from '../../src/controllers/storagegroup/model.js';

const G = '/api/storage-groups/g1';
const V1 = `${G}/storage-volumes/v1`;
const V2 = `${G}/storage-volumes/v2`;
const R1 = `${G}/virtual-storage-resources/r1`;
const R2 = `${G}/virtual-storage-resources/r2`;
const P = '/api/partitions/p1';

const desired: DesiredGroup = {
  hmcName: 'OpenStack-demo-u1',
  description: 'd',
  shared: false,
  connectivity: 2,
  maxPartitions: 1,
  volumes: [
    { name: 'boot', sizeGiB: 32, usage: 'boot', description: '' },
    { name: 'data', sizeGiB: 100, usage: 'data', description: '' },
  ],
  candidatePortUris: [],
};

const prop = (uri: string, changes: Record<string, unknown>) =>
  ({ kind: 'property-change', uri, changes }) as const;
const inv = (uri: string, action: 'add' | 'remove') => ({ kind: 'inventory-change', uri, action }) as const;

function attachedGroup(cache: ObservedCache): ObservedGroup {
  cache.created(G, desired, [V1, V2]);
  const g = cache.get(G)!;
  const paths = [R1, R2].map((uri, i) => ({
    uri,
    partitionUri: P,
    deviceNumber: `190${i}`,
    wwpn: `c05076000000000${i}`,
    adapterPortUri: `/api/adapters/f${i}/storage-ports/0`,
  }));
  cache.peek(G);
  cache.set({ ...g, paths, attached: [{ uri: P, name: 'web-01' }] }, ['paths']);
  return cache.get(G)!;
}

describe('storage group cache', () => {
  it('is seeded by the create answer and follows fulfillment notifications without a read', () => {
    const cache = new ObservedCache();
    cache.created(G, desired, [V1, V2]);
    const g = cache.get(G)!;
    expect(g.volumes.map((v) => [v.uri, v.name, v.sizeGiB, v.usage, v.fulfillmentState])).toEqual([
      [V1, 'boot', 32, 'boot', 'pending'],
      [V2, 'data', 100, 'data', 'pending'],
    ]);
    expect(cache.uriOfName('OpenStack-demo-u1')).toBe(G);
    // The create's own notifications say nothing new.
    expect(cache.apply(inv(G, 'add'))).toBe(G);
    cache.apply(inv(V1, 'add'));
    cache.apply(prop(V1, { 'fulfillment-state': 'complete', uuid: 'abc' }));
    cache.apply(prop(G, { 'fulfillment-state': 'complete' }));
    const after = cache.get(G)!;
    expect(after.fulfillmentState).toBe('complete');
    expect(after.volumes[0]).toMatchObject({ fulfillmentState: 'complete', uuid: 'abc' });
    expect(after.volumes[1]!.fulfillmentState).toBe('pending');
    expect(g.fulfillmentState).toBe('pending'); // a snapshot taken before is not changed under a pass
  });

  it('replays notifications that arrived before the create answer', () => {
    const cache = new ObservedCache();
    cache.apply(inv(G, 'add'));
    cache.apply(prop(V2, { 'fulfillment-state': 'complete' }));
    expect(cache.get(G)).toBeUndefined();
    cache.created(G, desired, [V1, V2]);
    expect(cache.get(G)!.volumes.map((v) => v.fulfillmentState)).toEqual(['pending', 'complete']);
  });

  it('reads only the VSRs after an attach; what arrives during the read is applied onto its result', () => {
    const cache = new ObservedCache();
    cache.created(G, desired, [V1, V2]);
    cache.apply(inv(R1, 'add'));
    expect(cache.get(G)).toBeUndefined();
    const before = cache.peek(G)!;
    expect([...before.stale]).toEqual(['paths']);
    const path = (uri: string, deviceNumber: string) => ({
      uri,
      partitionUri: P,
      deviceNumber,
      wwpn: 'c050760000000000',
      adapterPortUri: '/api/adapters/f1/storage-ports/0',
    });
    // During the read: R2's add (the read saw it) and a renumbering of R1 (the read did not).
    cache.apply(inv(R2, 'add'));
    cache.apply(prop(R1, { 'device-number': '1a00' }));
    cache.set({ ...before.group, paths: [path(R1, '1900'), path(R2, '1901')] }, ['paths']);
    expect(cache.get(G)!.paths.map((p) => p.deviceNumber)).toEqual(['1a00', '1901']);

    // A VSR added after the HMC answered the read: the paths stay stale, and the next read takes it.
    const next = cache.peek(G)!;
    cache.apply(inv(`${G}/virtual-storage-resources/r3`, 'add'));
    cache.set({ ...next.group }, ['paths']);
    expect(cache.get(G)).toBeUndefined();
    expect([...cache.peek(G)!.stale]).toEqual(['paths']);
  });

  it('applies a renumbered VSR and a detach (VSRs removed) without a read', () => {
    const cache = new ObservedCache();
    attachedGroup(cache);
    cache.apply(prop(R1, { 'device-number': '1a00' }));
    expect(cache.get(G)!.paths.map((p) => p.deviceNumber)).toEqual(['1a00', '1901']);
    cache.apply(inv(R1, 'remove'));
    cache.apply(prop(G, { 'virtual-storage-resource-uris': [] }));
    const g = cache.get(G)!;
    expect(g.paths).toEqual([]);
    expect(g.attached).toEqual([]);
  });

  it('takes a modify answer: created volumes with their URIs, modified and deleted ones', () => {
    const cache = new ObservedCache();
    cache.created(G, desired, [V1, V2]);
    cache.apply(prop(G, { 'fulfillment-state': 'complete' }));
    cache.modified(
      G,
      { description: 'new' },
      [
        { operation: 'create', name: 'logs', size: 10, usage: 'data' },
        { operation: 'modify', 'element-uri': V1, size: 40 },
        { operation: 'delete', 'element-uri': V2 },
      ],
      [`${G}/storage-volumes/v3`],
    );
    const g = cache.get(G)!;
    expect(g.description).toBe('new');
    expect(g.fulfillmentState).toBe('pending');
    expect(g.volumes.map((v) => [v.name, v.sizeGiB])).toEqual([
      ['boot', 40],
      ['logs', 10],
    ]);
  });

  it('drops everything on a resync and a group on its removal', () => {
    const cache = new ObservedCache();
    attachedGroup(cache);
    cache.apply(inv(G, 'remove'));
    expect(cache.peek(G)).toBeUndefined();
    attachedGroup(cache);
    cache.apply({ kind: 'resync' });
    expect(cache.peek(G)).toBeUndefined();
  });
});
