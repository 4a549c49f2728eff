// Helpers for the Helm chart tests (and for tests that run the operator with the chart's RBAC):
// render the chart with `helm template`, apply objects with kubectl to the run's real kube-apiserver,
// install the CRDs, and build a KubeConfig that authenticates as a ServiceAccount (TokenRequest).
import * as k8s from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { k8sClientsDir } from '../../src/devenv/control-plane.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const chartDir = join(repoRoot, 'deploy', 'helm', 'dpm-operator');
export const crdDir = join(repoRoot, 'deploy', 'crds');

/** A rendered Kubernetes object (only the fields every object has are typed). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program (stdin optional) and collects its output; never throws on a non-zero exit. */
export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<RunResult>((res, rej) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

let clientsDir: Promise<string> | undefined;
/** Path of the cached helm or kubectl binary (tools/k8s-clients.sh). */
export async function bin(name: 'helm' | 'kubectl'): Promise<string> {
  clientsDir ??= k8sClientsDir();
  return join(await clientsDir, name);
}

/** Runs helm with a private, empty Helm home (no repositories, no plugins, no cache sharing). */
export async function helm(args: string[], input?: string): Promise<RunResult> {
  const home = join(tmpdir(), 'dpm-operator-helm-home');
  const env = {
    ...process.env,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  return run(await bin('helm'), args, { input, env });
}

/** Runs kubectl against the run's API server (KUBECONFIG, admin) unless args say otherwise. */
export async function kubectl(args: string[], input?: string): Promise<RunResult> {
  return run(await bin('kubectl'), args, { input });
}

/** `helm template` with the given values as a values file; returns the raw result (errors included). */
export async function helmTemplate(
  values: object,
  releaseName: string,
  namespace: string,
  extraArgs: string[] = [],
): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'dpm-chart-'));
  try {
    const file = join(dir, 'values.yaml');
    await writeFile(file, yaml.dump(values));
    return await helm([
      'template',
      releaseName,
      chartDir,
      '--namespace',
      namespace,
      '-f',
      file,
      ...extraArgs,
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Parses a multi-document YAML stream into objects (empty documents dropped). */
export function parseObjects(text: string): KubeObject[] {
  return yaml.loadAll(text).filter((d): d is KubeObject => d != null && typeof d === 'object');
}

/** Renders the chart (templates only, no CRDs) and returns its objects; throws with helm's message. */
export async function renderChart(
  values: object,
  releaseName: string,
  namespace: string,
): Promise<KubeObject[]> {
  const r = await helmTemplate(values, releaseName, namespace);
  if (r.code !== 0) throw new Error(`helm template failed (${r.code}): ${r.stderr}`);
  return parseObjects(r.stdout);
}

export function toYamlStream(objects: readonly object[]): string {
  return objects.map((o) => `---\n${yaml.dump(o, { noRefs: true })}`).join('');
}

/** `kubectl apply` of objects (optionally --dry-run=server); throws with kubectl's message. */
export async function applyObjects(
  objects: readonly object[],
  opts: { dryRun?: boolean } = {},
): Promise<string> {
  const args = ['apply', '-f', '-'];
  if (opts.dryRun) args.push('--dry-run=server');
  const r = await kubectl(args, toYamlStream(objects));
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

async function applyCrdFiles(files: string[], names: string[]): Promise<void> {
  const args = ['apply', '--server-side', '--force-conflicts', '--field-manager=dpm-test-deploy'];
  for (const f of files) args.push('-f', f);
  const r = await kubectl(args);
  if (r.code !== 0) throw new Error(`installing CRDs failed: ${r.stderr}`);
  const w = await kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    ...names.map((n) => `crd/${n}`),
  ]);
  if (w.code !== 0) throw new Error(`CRDs not established: ${w.stderr}`);
  // A new CRD's watch cache answers 429 "storage is (re)initializing" for a moment after Established.
  for (const name of names) {
    for (let attempt = 0; ; attempt++) {
      const r = await kubectl(['get', name, '--all-namespaces', '-o', 'name']);
      if (r.code === 0) break;
      if (attempt >= 60) throw new Error(`listing ${name} keeps failing: ${r.stderr}`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }
}

export const CRD_NAMES = ['cpcsubsets', 'partitions', 'partitionnics', 'partitionhbas', 'storagegroups'].map(
  (p) => `${p}.dpm.operator.dev`,
);

/**
 * Installs (server-side apply, idempotent) the dpm.operator.dev CRDs the chart ships (its crds/
 * directory, which tools/sync-chart-crds.sh keeps identical to deploy/crds).
 */
export async function installCrds(): Promise<void> {
  await applyCrdFiles([join(chartDir, 'crds')], CRD_NAMES);
}

/** Installs a minimal ServiceMonitor CRD (monitoring.coreos.com/v1) so the chart's one can be applied. */
export async function installServiceMonitorCrd(): Promise<void> {
  await applyCrdFiles(
    [join(repoRoot, 'test', 'deploy', 'fixtures', 'servicemonitor-crd.yaml')],
    ['servicemonitors.monitoring.coreos.com'],
  );
}

/** Renders the chart, then applies every object for real (CRDs installed first). */
export async function deployChart(
  values: object,
  releaseName: string,
  namespace: string,
): Promise<KubeObject[]> {
  await installCrds();
  const objects = await renderChart(values, releaseName, namespace);
  await applyObjects(objects);
  return objects;
}

/**
 * A KubeConfig for the same API server that authenticates as ServiceAccount `namespace/saName` with a
 * token from the TokenRequest API (kc must be allowed to create tokens, e.g. the admin config).
 */
export async function serviceAccountKubeConfig(
  kc: k8s.KubeConfig,
  namespace: string,
  saName: string,
  expirationSeconds = 3600,
): Promise<k8s.KubeConfig> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const tr = await core.createNamespacedServiceAccountToken({
    name: saName,
    namespace,
    body: { spec: { audiences: [], expirationSeconds } },
  });
  const token = tr.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${saName} returned no token`);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the KubeConfig has no current cluster');
  const user = `system:serviceaccount:${namespace}:${saName}`;
  const sa = new k8s.KubeConfig();
  sa.loadFromOptions({
    clusters: [cluster],
    users: [{ name: user, token }],
    contexts: [{ name: user, cluster: cluster.name, user, namespace }],
    currentContext: user,
  });
  return sa;
}

/** Finds exactly one rendered object of a kind (and name, if given). */
export function findOne(objects: readonly KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  }
  return found[0]!;
}
