import { ChildIndex } from '../../src/controllers/child-index.js';

type Child = { metadata: { namespace: string; name: string }; spec: { partitionRef: { name: string } } };
const child = (name: string, parent: string, ns = 'a'): Child => ({
  metadata: { namespace: ns, name },
  spec: { partitionRef: { name: parent } },
});

describe('ChildIndex', () => {
  const handlers: {
    add?(o: Child): void;
    update?(a: Child, b: Child): void;
    delete?(o: Child): void;
  }[] = [];
  const source = { on: (h: (typeof handlers)[number]) => void handlers.push(h) };
  const emit = (f: (h: (typeof handlers)[number]) => void): void => handlers.forEach(f);

  it('lists a partition’s children in first-seen order through updates, moves and deletes', () => {
    handlers.length = 0;
    const index = new ChildIndex<Child>(source);
    const [n1, n2, n3, other] = [child('n1', 'p'), child('n2', 'p'), child('n3', 'q'), child('n1', 'p', 'b')];
    for (const c of [n1, n2, n3, other]) emit((h) => h.add?.(c));
    expect(index.of('a', 'p').map((c) => c.metadata.name)).toEqual(['n1', 'n2']);
    expect(index.of('b', 'p')).toEqual([other]); // namespaces apart
    const n1b = { ...n1, metadata: { ...n1.metadata } };
    emit((h) => h.update?.(n1, n1b)); // same parent: stays first
    expect(index.of('a', 'p')).toEqual([n1b, n2]);
    const moved = child('n2', 'q');
    emit((h) => h.update?.(n2, moved)); // partitionRef changed
    expect(index.of('a', 'p')).toEqual([n1b]);
    expect(index.of('a', 'q').map((c) => c.metadata.name)).toEqual(['n3', 'n2']);
    emit((h) => h.delete?.(n1b));
    expect(index.of('a', 'p')).toEqual([]);
  });
});
