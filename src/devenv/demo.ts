// The README's first Quick-start command: everything on this machine, on embedded defaults —
// a local control plane, the HMC simulator, the operator, and the sample partitions reaching Running.
// SIGINT or SIGTERM to this process stops everything and removes the temporary directory (it holds the
// API server's service-account key and token file) and the kubeconfig it wrote.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { k8sClientsDir, startControlPlane } from './control-plane.js';
import { installCrds } from './install-crds.js';
import { startSimulator } from '../hmc-simulator/index.js';
import { startOperator } from '../controllers/operator.js';
import { createLogger } from '../runtime/logger.js';
import { API_GROUP, API_VERSION, type Partition } from '../crds/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface DemoOptions {
  /** Control-plane directory, kept after exit; default a temporary one, removed on exit. */
  dir?: string;
  exitAfterReady: boolean;
  namespace?: string;
}

/**
 * Where the demo writes the files a user needs to talk to it, the same path every run:
 * `kubeconfig` and `env` (KUBECONFIG + the project's kubectl/helm on PATH). Removed on exit.
 */
export function demoHome(): string {
  return (
    process.env.DPM_DEMO_HOME ??
    join(process.env.DPM_CACHE_DIR ?? join(homedir(), '.cache', 'dpm-operator'), 'demo')
  );
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
    (p.status?.storageGroups ?? []).map((g) => g.fulfillmentState ?? '?').join(',') || '-',
    (p.status?.storageGroups ?? [])
      .flatMap((g) => (g.paths ?? []).map((x) => `${x.deviceNumber}:${x.wwpn}`))
      .join(',') || '-',
    p.status?.conditions?.find((c) => c.type === 'Ready')?.reason ?? '-',
  ]);
  const head = [
    'PARTITION',
    'PHASE',
    'HMC STATUS',
    'NIC DEVNOS',
    'STORAGE',
    'PATHS TO ZONE (DEVNO:WWPN)',
    'REASON',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

export async function runDemo(opts: DemoOptions): Promise<void> {
  const say = (l: string): void => void process.stdout.write(`${l}\n`);
  const ns = opts.namespace ?? 'default';
  const home = demoHome();
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'dpm-demo-')));
  // Undone in reverse order on exit; the control plane's own directory last.
  const cleanups: (() => Promise<void>)[] = [
    async () => {
      if (!opts.dir) await rm(dir, { recursive: true, force: true });
    },
    () => rm(home, { recursive: true, force: true }),
  ];
  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (stopping ??= (async () => {
      say('stopping the operator, the HMC simulator and the control plane...');
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
      say('stopped; nothing left running.');
    })());
  // Installed first: a signal during start-up (the first build takes minutes) also cleans up; etcd and
  // kube-apiserver are tied to this process (spawnTied) and stop with it.
  process.once('SIGINT', () => void shutdown().then(() => process.exit(130)));
  process.once('SIGTERM', () => void shutdown().then(() => process.exit(143)));
  try {
    say(
      'dpm-operator demo: starting a local Kubernetes control plane (the first run builds it: 5-20 min)...',
    );
    const cp = await startControlPlane({ dir, log: (l) => say(`  ${l}`) });
    cleanups.push(() => cp.stop());
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    // deploy/crds as shipped, waited for until served: informers started afterwards find them.
    say(`installed CRDs (deploy/crds): ${(await installCrds(kc)).join(', ')}`);

    // The current machine (dpm-storage-management on): web-01 boots from a storage volume that the simulated
    // SAN administrator fulfills a few seconds after it is requested. Its TLS key and CA inside the demo's
    // directory, so they go with it.
    const sim = await startSimulator({
      port: 0,
      stompPort: 0,
      seedName: 'current',
      fulfillmentDelayMs: 8000,
      tlsDir: join(dir, 'hmc-sim-tls'),
    });
    cleanups.push(() => sim.stop());
    say(
      `HMC simulator: ${sim.url} (STOMP ${sim.stompPort}), CPC CPCZ16A in DPM mode (z16 seed: storage groups; ` +
        'volumes fulfilled 8 s after they are requested)',
    );

    // The z13 samples (02-partition.yaml boots through 04-hbas.yaml) are for CPCs without storage groups.
    const samples = [
      ...(await loadYamlDir(join(repoRoot, 'deploy', 'samples'))).filter(
        (o) => o.kind !== 'PartitionHba' && o.kind !== 'Partition',
      ),
      ...(await loadYamlDir(join(repoRoot, 'deploy', 'samples', 'storage'))),
    ];
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
      metricsHost: '127.0.0.1',
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
      if (list.items.length && list.items.every((p) => p.status?.phase === 'Running')) break;
      if (Date.now() - started > 120_000)
        throw new Error('the sample partitions did not reach phase Running within 120 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    say(`all sample partitions are Running after ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    say('');
    const env = await writeUserFiles(home, cp.kubeconfigPath, sim.stompPort);
    say('Talk to the demo from another shell (kubectl v1.34 from the project, matching the API server):');
    say(`  source ${env}`);
    say('  kubectl get cpcsubsets,storagegroups,partitions,partitionnics -o wide');
    say("  kubectl dpm console web-01       # web-01's OS console: its boot log, then live (Ctrl-C ends it)");
    say(
      `(${env} sets KUBECONFIG=${join(home, 'kubeconfig')}, puts the project's kubectl, helm and kubectl-dpm first on PATH, and DPM_STOMP_PORT for the simulator.)`,
    );
    if (opts.exitAfterReady) return await shutdown();
    say('Ctrl-C stops everything.');
    await new Promise<never>(() => {});
  } catch (e) {
    await shutdown();
    throw e;
  }
}

/** Writes `<home>/kubeconfig` (a copy of the control plane's) and `<home>/env`; returns the env path. */
async function writeUserFiles(home: string, kubeconfigPath: string, stompPort: number): Promise<string> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const kubeconfig = join(home, 'kubeconfig');
  await writeFile(kubeconfig, await readFile(kubeconfigPath), { mode: 0o600 });
  const bin = await k8sClientsDir();
  const env = join(home, 'env');
  await writeFile(
    env,
    `# Written by \`npm run demo\` (removed when it stops): source it to talk to the demo.\n` +
      `export KUBECONFIG='${kubeconfig}'\nexport PATH='${bin}':'${join(repoRoot, 'bin')}':"$PATH"\n` +
      `export DPM_STOMP_PORT=${stompPort}\n`,
    { mode: 0o600 },
  );
  return env;
}
