// The CRD source (src/crds) versus the generated manifests (deploy/crds) and the generator CLI;
// schema completeness (descriptions for kubectl explain, print columns) and the condition helper.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import {
  API_GROUP,
  type CrdManifest,
  type JSONSchemaProps,
  KIND,
  PLURAL,
  allCrds,
  crdManifests,
  setCondition,
} from '../../src/crds/index.js';
import { checkCrds, renderCrds } from '../../tools/gen-crds.js';
import { crdDir, repoRoot } from './helpers.js';

const run = promisify(execFile);

/** Paths of schema properties (and array items) without a non-empty description. */
function missingDescriptions(schema: JSONSchemaProps, path: string): string[] {
  const out: string[] = [];
  if (!schema.description?.trim()) out.push(path);
  for (const [name, p] of Object.entries(schema.properties ?? {}))
    out.push(...missingDescriptions(p, `${path}.${name}`));
  if (schema.items) out.push(...missingDescriptions(schema.items, `${path}[]`));
  return out;
}

async function loadDeployed(dir = crdDir): Promise<CrdManifest[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.dpm.operator.dev.yaml')).sort();
  return Promise.all(files.map(async (f) => yaml.load(await readFile(join(dir, f), 'utf8')) as CrdManifest));
}

describe('generated CRD manifests', () => {
  it('deploy/crds is in sync with src/crds', async () => {
    const r = await checkCrds();
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    const deployed = await loadDeployed();
    const byName = (a: CrdManifest, b: CrdManifest) => a.metadata.name.localeCompare(b.metadata.name);
    expect(deployed.sort(byName)).toEqual(crdManifests().sort(byName));
  });

  it('one file per CRD, named <plural>.dpm.operator.dev.yaml, with a do-not-edit header', () => {
    const files = renderCrds();
    expect([...files.keys()].sort()).toEqual(
      Object.values(PLURAL)
        .map((p) => `${p}.${API_GROUP}.yaml`)
        .sort(),
    );
    for (const text of files.values()) expect(text.split('\n')[0]).toMatch(/generated.*do not edit/i);
  });

  it('the check detects an edited, a missing and a stale file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crds-'));
    try {
      await cp(crdDir, dir, { recursive: true });
      expect((await checkCrds(dir)).ok).toBe(true);
      const p = join(dir, `${PLURAL.Partition}.${API_GROUP}.yaml`);
      await writeFile(p, (await readFile(p, 'utf8')).replace('maxLength: 64', 'maxLength: 65'));
      await rm(join(dir, `${PLURAL.PartitionHba}.${API_GROUP}.yaml`));
      await writeFile(join(dir, `widgets.${API_GROUP}.yaml`), 'kind: X\n');
      const r = await checkCrds(dir);
      expect(r.ok).toBe(false);
      expect(r.problems.sort()).toEqual(
        [
          `${PLURAL.Partition}.${API_GROUP}.yaml: differs from src/crds`,
          `${PLURAL.PartitionHba}.${API_GROUP}.yaml: missing`,
          `widgets.${API_GROUP}.yaml: stale (no such CRD in src/crds)`,
        ].sort(),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the CLI: --check exits 1 with a clear message when out of date, 0 after regenerating', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crds-cli-'));
    const cli = ['tsx', join(repoRoot, 'tools', 'gen-crds.ts')];
    try {
      const failed = await run('npx', [...cli, '--check', '--dir', dir], { cwd: repoRoot }).then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toMatch(/out of date with src\/crds/);
      expect(failed?.stderr).toMatch(/partitions\.dpm\.operator\.dev\.yaml: missing/);
      expect(failed?.stderr).toMatch(/run: npx tsx tools\/gen-crds\.ts/);
      await run('npx', [...cli, '--dir', dir], { cwd: repoRoot });
      const ok = await run('npx', [...cli, '--check', '--dir', dir], { cwd: repoRoot });
      expect(ok.stdout).toMatch(/up to date/);
      expect((await readdir(dir)).length).toBe(crdManifests().length);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('schema completeness', () => {
  it('the description walker reports undocumented properties', () => {
    expect(
      missingDescriptions(
        {
          type: 'object',
          description: 'x',
          properties: { a: { type: 'string' }, b: { type: 'array', description: 'b', items: {} } },
        },
        'spec',
      ),
    ).toEqual(['spec.a', 'spec.b[]']);
  });

  it.each(crdManifests().map((c) => [c.spec.names.kind, c] as const))(
    '%s: every schema property has a description (kubectl explain)',
    (_kind, crd) => {
      const schema = crd.spec.versions[0]!.schema.openAPIV3Schema;
      expect(missingDescriptions(schema, crd.spec.names.kind)).toEqual([]);
    },
  );

  it('names: short names, the dpm category, namespaced, status subresource', () => {
    const got = Object.fromEntries(crdManifests().map((c) => [c.spec.names.kind, c]));
    expect(got[KIND.CpcSubset]?.spec.names.shortNames).toEqual(['cpcsub']);
    expect(got[KIND.Partition]?.spec.names.shortNames).toEqual(['dpmpart']);
    expect(got[KIND.PartitionNic]?.spec.names.shortNames).toEqual(['pnic']);
    expect(got[KIND.PartitionHba]?.spec.names.shortNames).toEqual(['phba']);
    for (const c of Object.values(got)) {
      expect(c.spec.names.categories).toEqual(['dpm']);
      expect(c.spec.scope).toBe('Namespaced');
      expect(c.spec.versions.map((v) => [v.name, v.served, v.storage, v.subresources])).toEqual([
        ['v1alpha1', true, true, { status: {} }],
      ]);
    }
  });

  it('print columns: default and wide (priority 1)', () => {
    const cols = (kind: string, priority: number) =>
      crdManifests()
        .find((c) => c.spec.names.kind === kind)!
        .spec.versions[0]!.additionalPrinterColumns.filter((c) => (c.priority ?? 0) === priority)
        .map((c) => c.name);
    expect(cols(KIND.Partition, 0)).toEqual(['HMC Status', 'CPC Subset', 'IFLs', 'Memory', 'Ready', 'Age']);
    expect(cols(KIND.Partition, 1)).toEqual(expect.arrayContaining(['Phase', 'HMC Name']));
    for (const kind of Object.values(KIND)) {
      expect(cols(kind, 0)).toEqual(expect.arrayContaining(['Ready', 'Age']));
      expect(cols(kind, 1).length).toBeGreaterThan(0);
    }
  });

  it('conditions are a map list keyed by type', () => {
    for (const c of crdManifests()) {
      const cond = c.spec.versions[0]!.schema.openAPIV3Schema.properties!.status!.properties!.conditions!;
      expect(cond['x-kubernetes-list-type']).toBe('map');
      expect(cond['x-kubernetes-list-map-keys']).toEqual(['type']);
      expect(cond.items?.required).toEqual(expect.arrayContaining(['type', 'status', 'reason']));
    }
  });

  it('allCrds() converts the wire schema to client-node model keys everywhere but inside array items', () => {
    // client-node serializes `items` verbatim (type any): there the wire keys must stay, or the apiserver
    // drops list items' defaults, enums and CEL rules (storage-admission.test.ts proves they are enforced).
    const wireKeys: string[] = [];
    const walk = (v: unknown, path: string): void => {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (k === 'items') {
            expect(JSON.stringify(x)).not.toMatch(/"(_default|_enum|x_kubernetes_[a-z_]+)"/);
            continue;
          }
          if (/^x-kubernetes-|^default$|^enum$/.test(k) && !path.endsWith('.properties'))
            wireKeys.push(`${path}.${k}`);
          walk(x, `${path}.${k}`);
        }
    };
    const crds = allCrds();
    walk(crds, 'crds');
    expect(wireKeys).toEqual([]);
    const partition = crds.find((c) => c.spec.names.kind === KIND.Partition)!;
    const spec = partition.spec.versions[0]!.schema!.openAPIV3Schema!.properties!.spec!;
    expect(spec.properties!.powerState!._default).toBe('Active');
    expect(spec.properties!.memory!.x_kubernetes_validations![0]!.rule).toBe(
      'self.maximumMiB >= self.initialMiB',
    );
  });
});

describe('setCondition', () => {
  const t0 = new Date('2025-01-01T00:00:00.000Z');
  const t1 = new Date('2025-01-01T00:05:00.000Z');

  it('adds, keeps lastTransitionTime while the status is unchanged, and moves it on a flip', () => {
    const a = setCondition(
      undefined,
      { type: 'Ready', status: 'False', reason: 'Creating', message: 'm' },
      t0,
    );
    expect(a).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'Creating',
        message: 'm',
        lastTransitionTime: '2025-01-01T00:00:00Z',
      },
    ]);
    const b = setCondition(a, { type: 'Ready', status: 'False', reason: 'Starting' }, t1);
    expect(b[0]).toMatchObject({ reason: 'Starting', lastTransitionTime: '2025-01-01T00:00:00Z' });
    const c = setCondition(b, { type: 'Ready', status: 'True', reason: 'Available' }, t1);
    expect(c[0]).toMatchObject({ status: 'True', lastTransitionTime: '2025-01-01T00:05:00Z' });
    const d = setCondition(c, { type: 'Synced', status: 'True', reason: 'ReconcileSuccess' }, t1);
    expect(d.map((x) => x.type)).toEqual(['Ready', 'Synced']);
    expect(a).toHaveLength(1); // inputs are not mutated
    expect(c).toHaveLength(1);
  });
});
