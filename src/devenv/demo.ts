// The README's first Quick-start command: a local control plane with the CRDs installed.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { startControlPlane } from './control-plane.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface DemoOptions {
  dir?: string;
  exitAfterReady: boolean;
}

/** Applies every YAML document in a directory (server-side apply); returns the applied names. */
export async function applyDir(kc: k8s.KubeConfig, dir: string): Promise<string[]> {
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /\.ya?ml$/.test(f)).sort();
  const applied: string[] = [];
  for (const f of files) {
    for (const doc of yaml.loadAll(await readFile(join(dir, f), 'utf8'))) {
      if (!doc || typeof doc !== 'object') continue;
      const obj = doc as k8s.KubernetesObject;
      await client.patch(
        obj,
        undefined,
        undefined,
        'dpm-operator-demo',
        true,
        k8s.PatchStrategy.ServerSideApply,
      );
      applied.push(`${obj.kind}/${obj.metadata?.name}`);
    }
  }
  return applied;
}

export async function runDemo(opts: DemoOptions): Promise<void> {
  const say = (l: string): void => void process.stdout.write(`${l}\n`);
  say('dpm-operator demo: starting a local Kubernetes control plane (first run builds it: 10-20 min)...');
  const cp = await startControlPlane({ dir: opts.dir, log: (l) => say(`  ${l}`) });
  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    await cp.stop();
    say('stopped; nothing left running.');
  };
  process.once('SIGINT', () => void shutdown().then(() => process.exit(130)));
  process.once('SIGTERM', () => void shutdown().then(() => process.exit(143)));
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    const crds = await applyDir(kc, join(repoRoot, 'deploy', 'crds'));
    say(crds.length ? `installed ${crds.length} CRDs: ${crds.join(', ')}` : 'no CRDs in deploy/crds yet');
    say('');
    say(`kube-apiserver: ${cp.server}`);
    say(`  export KUBECONFIG=${cp.kubeconfigPath}`);
    say(`  etcd + kube-apiserver pids: ${cp.pids.join(', ')}`);
    if (opts.exitAfterReady) return await shutdown();
    say('Ctrl-C stops everything.');
    await new Promise<never>(() => {});
  } catch (e) {
    await shutdown();
    throw e;
  }
}
