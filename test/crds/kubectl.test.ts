// What users see through kubectl: `kubectl explain` shows the schema descriptions, `kubectl get`
// shows the print columns (wide adds more), and the short names and the dpm category resolve.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { API_GROUP_VERSION, KIND } from '../../src/crds/index.js';
import { freshNamespace, kubeConfig } from '../harness/kube.js';
import { create, installCrds, repoRoot } from './helpers.js';

const run = promisify(execFile);
const kc = kubeConfig();
let kubectl: string;
let ns: string;

async function k(...args: string[]): Promise<string> {
  return (await run(kubectl, args, { env: process.env })).stdout;
}

/**
 * kubectl explain reads the apiserver's published OpenAPI, which lags a CRD change briefly.
 * Returns the output with whitespace collapsed (explain wraps descriptions).
 */
async function explain(path: string, expected: RegExp): Promise<string> {
  let last = '';
  for (let i = 0; i < 60; i++) {
    const out = await k('explain', path, `--api-version=${API_GROUP_VERSION}`).catch(
      (e: { stderr?: string }) => e.stderr ?? '',
    );
    last = out.replace(/\s+/g, ' ');
    if (expected.test(last)) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  return last;
}

beforeAll(async () => {
  kubectl = join((await run('bash', [join(repoRoot, 'tools', 'k8s-clients.sh')])).stdout.trim(), 'kubectl');
  await installCrds(kc);
  ns = await freshNamespace(kc, 'crds-kubectl');
});

describe('kubectl', () => {
  it('explain shows field descriptions, types and enums', async () => {
    const out = await explain('partitions.spec.memory.maximumMiB', /at least initialMiB/);
    expect(out).toMatch(/Maximum memory in MiB \(maximum-memory\), at least initialMiB/);
    expect(out).toMatch(/<integer>/);
    const boot = await explain('partitions.spec.boot.type', /StorageVolume/);
    expect(boot).toMatch(/None \(default; a started partition ends paused\), FcpVolume .* or StorageVolume/);
    const sg = await explain('dpmsg.spec.volumes.usage', /boot/);
    expect(sg).toMatch(/boot \(a partition may boot from it\) or data \(default\)/);
    const mac = await explain('pnic.spec.mac', /locally administered/);
    expect(mac).toMatch(/locally administered unicast/);
    const subset = await explain('cpcsub.spec.hmc.port', /TCP port/);
    expect(subset).toMatch(/TCP port of the HMC Web Services API/);
  });

  it('get shows the print columns, -o wide adds Phase and HMC Name; short names and category resolve', async () => {
    await create(kc, ns, {
      apiVersion: API_GROUP_VERSION,
      kind: KIND.Partition,
      metadata: { name: 'cols' },
      spec: {
        cpcSubsetRef: { name: 'demo' },
        processors: { ifls: 3 },
        memory: { initialMiB: 4096, maximumMiB: 8192 },
      },
    });
    const header = (text: string) =>
      text
        .split('\n')[0]!
        .trim()
        .split(/\s{2,}/);
    const plain = await k('get', 'dpmpart', '-n', ns);
    expect(header(plain)).toEqual(['NAME', 'HMC STATUS', 'CPC SUBSET', 'IFLS', 'MEMORY', 'READY', 'AGE']);
    expect(plain.split('\n')[1]).toMatch(/^cols\s+demo\s+3\s+4096\s+/);
    const wide = await k('get', 'partitions', '-n', ns, '-o', 'wide');
    expect(header(wide)).toEqual(
      expect.arrayContaining([
        'NAME',
        'HMC STATUS',
        'CPC SUBSET',
        'IFLS',
        'MEMORY',
        'READY',
        'AGE',
        'PHASE',
        'HMC NAME',
      ]),
    );
    const all = await k('get', 'dpm', '-n', ns, '-o', 'name');
    expect(all.trim().split('\n')).toEqual(['partition.dpm.operator.dev/cols']);
    for (const short of ['cpcsub', 'pnic', 'phba']) {
      expect(await k('get', short, '-n', ns, '-o', 'name')).toBe('');
    }
  });
});
