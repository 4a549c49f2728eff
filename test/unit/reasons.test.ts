// The one reason catalogue: every condition reason used in src is classified, the docs list each with its
// class, and the Nova bridge stops waiting exactly for the reasons that are not progressing.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { REASONS, isStuck, reasonClass, type Reason } from '../../src/crds/reasons.js';
import type { Partition } from '../../src/crds/index.js';
import { partitionFailure } from '../../src/nova-bridge/partition-state.js';

/** Where condition reasons are written or read (the simulator's and client's "reason" are HMC reason codes). */
const SCOPES = ['src/controllers', 'src/nova-bridge', 'src/crds'];

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (p.endsWith('.ts') && !p.endsWith('reasons.ts')) out.push(p);
  }
  return out;
}

/** Reason literals: `reason: 'X'`, condition tuples `'False', 'X'`, Warning events `warning(o, 'X'`. */
const PATTERNS = [
  /reason:\s*'([A-Z][A-Za-z]+)'/g,
  /'(?:True|False|Unknown)',\s*'(?!True'|False'|Unknown')([A-Z][A-Za-z]+)'/g,
  /\.warning\([^,]+,\s*'([A-Z][A-Za-z]+)'/g,
  /c\.reason === '([A-Z][A-Za-z]+)'/g,
];

describe('condition reason catalogue', () => {
  it('classifies every reason used in src', async () => {
    const used = new Map<string, string>();
    for (const scope of SCOPES) {
      for (const file of await sources(scope)) {
        const text = await readFile(file, 'utf8');
        for (const re of PATTERNS) for (const m of text.matchAll(re)) used.set(m[1]!, file);
      }
    }
    expect(used.size).toBeGreaterThan(20); // the scan finds the reasons at all
    const unclassified = [...used]
      .filter(([r]) => reasonClass(r) === undefined)
      .map(([r, f]) => `${r} (${f})`);
    expect(unclassified).toEqual([]);
  });

  it('lists every reason with its class in docs/design.md', async () => {
    const doc = await readFile('docs/design.md', 'utf8');
    const missing = (Object.keys(REASONS) as Reason[]).filter(
      (r) => !new RegExp(`\\| \`${r}\` \\| ${REASONS[r].class} \\|`).test(doc),
    );
    expect(missing).toEqual([]);
  });

  it('makes the Nova bridge stop waiting on reasons that are not progressing (BootFailed, StopRequired, ...)', () => {
    const withReady = (reason: string): Partition =>
      ({
        status: {
          phase: 'Starting',
          conditions: [{ type: 'Ready', status: 'False', reason, message: 'm', lastTransitionTime: '' }],
        },
      }) as unknown as Partition;
    for (const r of ['BootFailed', 'StopRequired', 'StartFailed', 'BootHbaNotFound', 'LimitExceeded']) {
      expect(isStuck(r)).toBe(true);
      expect(partitionFailure(withReady(r))).toBe(`${r}: m`);
    }
    for (const r of ['WaitingForJob', 'Starting', 'HmcUnreachable', 'CreateUnconfirmed']) {
      expect(isStuck(r)).toBe(false);
      expect(partitionFailure(withReady(r))).toBeUndefined();
    }
  });
});
