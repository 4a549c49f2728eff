// The demo's CRDs are the shipped ones: after the demo's installer (src/devenv/install-crds.ts) ran
// against a real kube-apiserver, the documented `kubectl apply --server-side -f deploy/crds` and a
// `helm install` of the chart both succeed (a CRD that differs, e.g. an enum dropped, makes both fail
// with a server-side-apply conflict on .spec.versions).
import * as k8s from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { installCrds } from '../../src/devenv/install-crds.js';
import { chartDir, crdDir, helm, kubectl } from './helpers.js';

const NS = 'demo-crds-helm';
const RELEASE = 'on-demo';

interface Schema {
  enum?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
}

interface Crd {
  metadata: { name: string };
  spec: { versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[] };
}

describe('chart on top of the demo', () => {
  const kc = new k8s.KubeConfig();
  beforeAll(() => kc.loadFromDefault());
  afterAll(async () => {
    await helm(['uninstall', RELEASE, '--namespace', NS, '--kubeconfig', process.env.KUBECONFIG ?? '']);
    await kubectl(['delete', 'namespace', NS, '--wait=false', '--ignore-not-found']);
  });

  it('installs exactly the CRDs of deploy/crds', async () => {
    const names = await installCrds(kc);
    const files = (await readdir(crdDir)).filter((f) => f.endsWith('.yaml')).sort();
    expect(names).toHaveLength(files.length);
    for (const f of files) {
      const shipped = yaml.load(await readFile(join(crdDir, f), 'utf8')) as Crd;
      const r = await kubectl(['get', 'crd', shipped.metadata.name, '-o', 'json']);
      expect(r.code).toBe(0);
      const served = JSON.parse(r.stdout) as Crd;
      // Every shipped key (enum, default, x-kubernetes-validations ...) is on the server as shipped.
      expect(served.spec.versions).toMatchObject(shipped.spec.versions);
    }
    const partitions = JSON.parse(
      (await kubectl(['get', 'crd', 'partitions.dpm.operator.dev', '-o', 'json'])).stdout,
    ) as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
    const conditionStatus =
      partitions.spec.versions[0]!.schema.openAPIV3Schema.properties?.status?.properties?.conditions?.items
        ?.properties?.status;
    expect(conditionStatus?.enum).toEqual(['True', 'False', 'Unknown']);
  });

  it('lets the documented kubectl apply --server-side -f deploy/crds through without a conflict', async () => {
    await installCrds(kc);
    const r = await kubectl(['apply', '--server-side', '-f', crdDir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('lets helm install the chart (with its crds/) into the demo API server', async () => {
    await installCrds(kc);
    const r = await helm([
      'install',
      RELEASE,
      chartDir,
      '--namespace',
      NS,
      '--create-namespace',
      '--kubeconfig',
      process.env.KUBECONFIG ?? '',
    ]);
    expect(r.stderr).not.toMatch(/conflict/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/STATUS: deployed/);
    // NOTES.txt names no repository file (docs/..., deploy/...): a chart user has only the chart.
    const notes = r.stdout.slice(r.stdout.indexOf('NOTES:')).replace(/https?:\/\/\S+/g, '<url>');
    expect(notes).toContain('helm show crds');
    expect(notes).not.toMatch(/\b(docs|deploy|src|tools)\//);
    const d = await kubectl(['-n', NS, 'get', 'deployment', `${RELEASE}-dpm-operator`, '-o', 'name']);
    expect(d.stdout.trim()).toBe(`deployment.apps/${RELEASE}-dpm-operator`);
  });
});
