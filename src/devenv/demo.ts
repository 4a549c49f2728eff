// The README's first Quick-start command: everything on this machine, on embedded defaults —
// a local control plane, the HMC simulator, the operator, and the sample partitions reaching Active.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { startControlPlane } from './control-plane.js';
import { installCrds } from './install-crds.js';
import { startSimulator } from '../hmc-simulator/index.js';
import { startOperator } from '../controllers/operator.js';
import { createLogger } from '../runtime/logger.js';
import { API_GROUP, API_VERSION, type Partition } from '../crds/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface DemoOptions {
  dir?: string;
  exitAfterReady: boolean;
  namespace?: string;
}

async function loadYamlDir(dir: string): Promise<k8s.KubernetesObject[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /\.ya?ml$/.test(f)).sort();
  const out: k8s.KubernetesObject[] = [];
  for (const f of files) {
    for (const doc of yaml.loadAll(await readFile(join(dir, f), 'utf8'))) {
      if (doc && typeof doc === 'object') out.push(doc as k8s.KubernetesObject);
    }
  }
  return out;
}

/** Server-side applies objects; returns "Kind/name" of each. */
export async function applyObjects(
  kc: k8s.KubeConfig,
  objs: k8s.KubernetesObject[],
  namespace?: string,
): Promise<string[]> {
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  const applied: string[] = [];
  for (const obj of objs) {
    if (namespace) obj.metadata = { ...obj.metadata, namespace };
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
  return applied;
}

function table(parts: Partition[]): string {
  const rows = parts.map((p) => [
    p.metadata.name ?? '',
    p.status?.phase ?? 'Pending',
    p.status?.hmcStatus ?? '-',
    (p.status?.nics ?? []).map((n) => n.deviceNumber ?? '?').join(',') || '-',
    (p.status?.hbas ?? []).map((h) => h.wwpn ?? '?').join(',') || '-',
    p.status?.hmcName ?? '-',
  ]);
  const head = ['PARTITION', 'PHASE', 'HMC STATUS', 'NIC DEVNOS', 'HBA WWPNS', 'HMC NAME'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

export async function runDemo(opts: DemoOptions): Promise<void> {
  const say = (l: string): void => void process.stdout.write(`${l}\n`);
  const ns = opts.namespace ?? 'default';
  say('dpm-operator demo: starting a local Kubernetes control plane (the first run builds it: 5-20 min)...');
  const cp = await startControlPlane({ dir: opts.dir, log: (l) => say(`  ${l}`) });
  const cleanups: (() => Promise<void>)[] = [() => cp.stop()];
  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say('stopping the operator, the HMC simulator and the control plane...');
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    say('stopped; nothing left running.');
  };
  process.once('SIGINT', () => void shutdown().then(() => process.exit(130)));
  process.once('SIGTERM', () => void shutdown().then(() => process.exit(143)));
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    say(`installed CRDs: ${(await installCrds(kc)).join(', ')}`);

    const sim = await startSimulator({ port: 0, stompPort: 0, seedName: 'z13' });
    cleanups.push(() => sim.stop());
    say(`HMC simulator: ${sim.url} (STOMP ${sim.stompPort}), CPC CPCZ16A in DPM mode (z13 seed: HBAs)`);

    const samples = await loadYamlDir(join(repoRoot, 'deploy', 'samples'));
    for (const o of samples) {
      if (o.kind === 'Secret')
        (o as k8s.V1Secret).stringData = { userid: sim.userid, password: sim.password, 'ca.crt': sim.caPem };
      if (o.kind === 'CpcSubset') (o as { spec: { hmc: { port: number } } }).spec.hmc.port = sim.port;
    }
    const log = createLogger({ level: (process.env.DPM_LOG_LEVEL as 'info') ?? 'warn' });
    const op = await startOperator({
      kubeConfig: kc,
      namespaces: [ns],
      concurrency: 4,
      metricsPort: 0,
      leaderElect: false,
      leaseNamespace: ns,
      leaseName: 'dpm-operator',
      log,
      stompPort: sim.stompPort,
    });
    cleanups.push(() => op.stop());
    say(`operator running; metrics on http://127.0.0.1:${op.metricsPort}/metrics`);
    say(`applied: ${(await applyObjects(kc, samples, ns)).join(', ')}`);
    say('');

    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const started = Date.now();
    let last = '';
    for (;;) {
      const list = (await custom.listNamespacedCustomObject({
        group: API_GROUP,
        version: API_VERSION,
        namespace: ns,
        plural: 'partitions',
      })) as {
        items: Partition[];
      };
      const t = table(list.items);
      if (t !== last) {
        say(`[${((Date.now() - started) / 1000).toFixed(1)} s]\n${t}\n`);
        last = t;
      }
      if (
        list.items.length &&
        list.items.every((p) => p.status?.phase === 'Running' && p.status.hmcStatus === 'active')
      )
        break;
      if (Date.now() - started > 120_000)
        throw new Error('the sample partitions did not reach Active within 120 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    say(`all sample partitions are Active after ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    say('');
    say(`  export KUBECONFIG=${cp.kubeconfigPath}`);
    say(
      '  kubectl get cpcsubsets,partitions,partitionnics,partitionhbas -o wide   (kubectl: bash tools/k8s-clients.sh)',
    );
    if (opts.exitAfterReady) return await shutdown();
    say('Ctrl-C stops everything.');
    await new Promise<never>(() => {});
  } catch (e) {
    await shutdown();
    throw e;
  }
}
