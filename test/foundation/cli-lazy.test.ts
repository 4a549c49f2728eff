// `dpm-operator run` must not load what only other subcommands need (the HMC simulator, the Nova bridge,
// the console): the files that define the subcommands import only commander, Node built-ins, types and
// each other; what a subcommand runs is imported inside its action.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const cliDir = join(import.meta.dirname, '..', '..', 'src', 'cli');
const DEFINITIONS = ['program.ts', 'run.ts', 'hmc-sim.ts', 'nova-bridge.ts', 'demo.ts', 'console.ts'];
const ALLOWED = [
  /^commander$/,
  /^node:/,
  /^\.\/(run|hmc-sim|nova-bridge|demo|console)\.js$/,
  /^\.\.\/hmc-simulator\/defaults\.js$/,
];

/** Module specifiers of the value (non-`import type`) imports at the top of a file. */
function valueImports(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/^import\s+(type\s+)?([\s\S]*?)\s+from\s+'([^']+)';/gm)) {
    if (m[1]) continue;
    const names = m[2]!;
    // `import { type A, type B } from` is types only, too.
    const braces = /^\{([\s\S]*)\}$/.exec(names.trim());
    if (braces && braces[1]!.split(',').every((n) => !n.trim() || n.trim().startsWith('type '))) continue;
    out.push(m[3]!);
  }
  return out;
}

describe('the CLI loads subcommands lazily', () => {
  it.each(DEFINITIONS)('%s imports nothing a subcommand runs', async (file) => {
    const source = await readFile(join(cliDir, file), 'utf8');
    const heavy = valueImports(source).filter((s) => !ALLOWED.some((a) => a.test(s)));
    expect(heavy).toEqual([]);
  });

  it('the check sees a value import, and ignores type-only ones', () => {
    const src = [
      "import { startOperator } from '../controllers/operator.js';",
      "import type { Logger } from 'pino';",
      "import { type A, type B } from './x.js';",
      "import * as k8s from '@kubernetes/client-node';",
    ].join('\n');
    expect(valueImports(src)).toEqual(['../controllers/operator.js', '@kubernetes/client-node']);
  });
});
