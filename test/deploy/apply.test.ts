// Every object the chart renders is accepted by the real kube-apiserver (server-side dry run, then
// for real), and `helm install` / `helm uninstall` behave as NOTES.txt and docs/install.md say.
import * as k8s from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { freshNamespace, kubeConfig } from '../harness/kube.js';
import {
  type KubeObject,
  applyObjects,
  chartDir,
  helm,
  installCrds,
  installServiceMonitorCrd,
  kubectl,
  renderChart,
} from './helpers.js';
import { hmcValues, valueSets } from './value-sets.js';

const kc = kubeConfig();
const objectsApi = k8s.KubernetesObjectApi.makeApiClient(kc);

async function exists(o: KubeObject): Promise<boolean> {
  try {
    await objectsApi.read({
      apiVersion: o.apiVersion,
      kind: o.kind,
      metadata: { name: o.metadata.name, namespace: o.metadata.namespace },
    });
    return true;
  } catch (e) {
    if ((e as { code?: number }).code === 404) return false;
    throw e;
  }
}

beforeAll(async () => {
  await installCrds();
  await installServiceMonitorCrd();
});

describe('rendered objects on the real API server', () => {
  it.each(Object.keys(valueSets))('%s: pass a server-side dry run, then apply for real', async (set) => {
    const ns = await freshNamespace(kc, 'chart');
    const objects = await renderChart(valueSets[set]!, 'rel', ns);
    expect(objects.length).toBeGreaterThan(5);

    const dry = await applyObjects(objects, { dryRun: true });
    expect(dry.trim().split('\n')).toHaveLength(objects.length);
    expect(dry).toContain('(server dry run)');
    for (const o of objects) expect(await exists(o)).toBe(false);

    await applyObjects(objects);
    // Stored as rendered: every rendered field reads back unchanged (the server only adds defaults).
    for (const o of objects) {
      const stored = await objectsApi.read({
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name: o.metadata.name, namespace: o.metadata.namespace },
      });
      const { stringData, ...rendered } = o as KubeObject & { stringData?: Record<string, string> };
      expect(stored).toMatchObject(rendered);
      if (stringData) {
        const data = (stored as { data: Record<string, string> }).data;
        for (const [k, v] of Object.entries(stringData))
          expect(Buffer.from(data[k]!, 'base64').toString()).toBe(v);
      }
    }
  });

  it('the server rejects what the chart must never produce (the checks above can fail)', async () => {
    const ns = await freshNamespace(kc, 'chart');
    const objects = await renderChart(hmcValues, 'rel', ns);
    const sub = structuredClone(objects.find((o) => o.kind === 'CpcSubset')!) as KubeObject & {
      spec: { limits: { maxMemoryMiB: number } };
    };
    sub.spec.limits.maxMemoryMiB = 100;
    await expect(applyObjects([sub], { dryRun: true })).rejects.toThrow(/maxMemoryMiB/);
  });
});

describe('helm install and uninstall against the real API server', () => {
  it('installs, prints a valid first Partition, and keeps CRs (with finalizers) on uninstall', async () => {
    const ns = await freshNamespace(kc, 'helm');
    const valuesFile = yaml.dump(hmcValues);
    const install = await helm(['install', 'lab', chartDir, '-n', ns, '-f', '-'], valuesFile);
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);
    expect(install.stdout).toContain('STATUS: deployed');
    expect(install.stdout).toContain(`kubectl apply -n ${ns} -f partition.yaml`);
    expect(install.stdout).toContain('SURVIVE an');

    // The Partition example of NOTES.txt is valid against the installed CRD.
    const notes = install.stdout.slice(install.stdout.indexOf('apiVersion: dpm.operator.dev/v1alpha1'));
    const example = notes.slice(0, notes.indexOf(`kubectl apply -n ${ns}`));
    const partition = yaml.load(example.replace(/^ {5}/gm, '')) as KubeObject & {
      spec: { cpcSubsetRef: { name: string } };
    };
    expect(partition.kind).toBe('Partition');
    expect(partition.spec.cpcSubsetRef.name).toBe('cpca-prod');
    // It names the label the release's operator selects its CpcSubsets by, and the chart's one has it.
    expect(example).toContain('app.kubernetes.io/instance: lab');
    expect(install.stdout).toContain('Serves:        CpcSubsets labelled app.kubernetes.io/instance=lab');
    const labelled = await kubectl([
      'get',
      '-n',
      ns,
      'cpcsubsets',
      '-l',
      'app.kubernetes.io/instance=lab',
      '-o',
      'name',
    ]);
    expect(labelled.stdout.trim().split('\n').sort()).toEqual([
      'cpcsubset.dpm.operator.dev/cpca-prod',
      'cpcsubset.dpm.operator.dev/cpcb-test',
    ]);
    partition.metadata.namespace = ns;
    await applyObjects([partition]);

    // As the operator would: a finalizer on the Partition.
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const target = { group: 'dpm.operator.dev', version: 'v1alpha1', namespace: ns, plural: 'partitions' };
    await custom.patchNamespacedCustomObject(
      {
        ...target,
        name: partition.metadata.name,
        body: { metadata: { finalizers: ['dpm.operator.dev/finalizer'] } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );

    const uninstall = await helm(['uninstall', 'lab', '-n', ns]);
    expect(uninstall.code).toBe(0);

    const has = async (kind: string, name: string) =>
      (await kubectl(['get', '-n', ns, kind, name, '-o', 'name'])).code === 0;
    expect(await has('deployment', 'lab-dpm-operator')).toBe(false);
    expect(await has('role', 'lab-dpm-operator')).toBe(false);
    expect(await has('serviceaccount', 'lab-dpm-operator')).toBe(false);
    // Kept: CpcSubsets and the credentials Secret (resource-policy keep), the Partition (CRDs stay).
    expect(await has('cpcsubset', 'cpca-prod')).toBe(true);
    expect(await has('cpcsubset', 'cpcb-test')).toBe(true);
    expect(await has('secret', 'lab-dpm-operator-hmc')).toBe(true);
    const p = (await custom.getNamespacedCustomObject({
      ...target,
      name: partition.metadata.name,
    })) as KubeObject & {
      metadata: { finalizers?: string[]; deletionTimestamp?: string };
    };
    expect(p.metadata.finalizers).toEqual(['dpm.operator.dev/finalizer']);
    expect(p.metadata.deletionTimestamp).toBeUndefined();
    expect((await kubectl(['get', 'crd', 'partitions.dpm.operator.dev', '-o', 'name'])).code).toBe(0);

    // Reinstalling the same release adopts the kept objects.
    const reinstall = await helm(['install', 'lab', chartDir, '-n', ns, '-f', '-'], valuesFile);
    expect(reinstall.stderr).toBe('');
    expect(reinstall.code).toBe(0);
    expect(await has('deployment', 'lab-dpm-operator')).toBe(true);

    // The documented escape hatch without an operator: delete, then drop the finalizer.
    await custom.deleteNamespacedCustomObject({ ...target, name: partition.metadata.name });
    const patch = await kubectl([
      'patch',
      '-n',
      ns,
      'partition',
      partition.metadata.name,
      '--type=json',
      '-p=[{"op":"remove","path":"/metadata/finalizers"}]',
    ]);
    expect(patch.stderr).toBe('');
    expect(await has('partition', partition.metadata.name)).toBe(false);
  });
});
