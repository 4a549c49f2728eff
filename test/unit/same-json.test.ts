// The reporters' "would this status write change anything" test: equal as JSON values, whatever the key order
// the API server answered with.
import { sameJson } from '../../src/controllers/same-json.js';

describe('sameJson', () => {
  it('ignores object key order, at every depth', () => {
    const fromServer = {
      conditions: [{ reason: 'Ready', status: 'True' }],
      phase: 'Active',
      uri: '/api/p/1',
    };
    const ours = { uri: '/api/p/1', phase: 'Active', conditions: [{ status: 'True', reason: 'Ready' }] };
    expect(JSON.stringify(fromServer)).not.toBe(JSON.stringify(ours));
    expect(sameJson(fromServer, ours)).toBe(true);
  });

  it('treats a member whose value is undefined as absent, as JSON does', () => {
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameJson({ a: 1, b: null }, { a: 1 })).toBe(false);
  });

  it('sees a changed value, a missing member and array order', () => {
    expect(sameJson({ a: { b: 1 } }, { a: { b: 2 } })).toBe(false);
    expect(sameJson({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson([1], { 0: 1 })).toBe(false);
  });
});
