// Runs `dpm-operator run` as the chart would: exactly the rendered Deployment's args (only the metrics
// port moved to a free one), authenticated as the rendered ServiceAccount with a TokenRequest token, as
// a child process of the test (tsx on src/cli.ts).
import type * as k8s from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/devenv/control-plane.js';
import { type KubeObject, findOne, repoRoot, serviceAccountKubeConfig } from './helpers.js';

interface RenderedDeployment {
  metadata: { name: string };
  spec: { template: { spec: { serviceAccountName: string; containers: { args: string[] }[] } } };
}

export interface ChartOperator {
  /** The args the process runs with (the rendered ones, metrics port replaced). */
  readonly args: string[];
  readonly metricsPort: number;
  /** POD_NAME given to the process: its Lease identity and its Events' reportingInstance start with it. */
  readonly podName: string;
  /** KubeConfig of the ServiceAccount token the process uses. */
  readonly saKubeConfig: k8s.KubeConfig;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once /readyz answers 200. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM (SIGKILL after 20 s); resolves with the exit code ('timeout' if it had to be killed). */
  stop(): Promise<number | null | 'timeout'>;
}

export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 60000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** GET on loopback without keep-alive (no sockets left open after the test). */
export function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((res, rej) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (r) => {
      r.resume();
      res(r.statusCode ?? 0);
    });
    req.on('error', rej);
  });
}

/**
 * Starts the operator of a rendered (and applied) release: the Deployment's container args and its
 * ServiceAccount, with POD_NAMESPACE/POD_NAME as the Downward API would set them.
 */
export async function startChartOperator(
  kc: k8s.KubeConfig,
  namespace: string,
  objects: readonly KubeObject[],
): Promise<ChartOperator> {
  const deployment = findOne(objects, 'Deployment') as unknown as RenderedDeployment;
  const pod = deployment.spec.template.spec;
  const metricsPort = await freePort();
  const args = pod.containers[0]!.args.map((a) =>
    a.startsWith('--metrics-port=') ? `--metrics-port=${metricsPort}` : a,
  );
  const saKubeConfig = await serviceAccountKubeConfig(kc, namespace, pod.serviceAccountName);
  const dir = await mkdtemp(join(tmpdir(), 'dpm-run-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, saKubeConfig.exportConfig(), { mode: 0o600 });
  const podName = `${deployment.metadata.name}-7d9f8-${Math.random().toString(36).slice(2, 7)}`;

  let out = '';
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repoRoot, 'src', 'cli.ts'), ...args],
    {
      env: { ...process.env, KUBECONFIG: kubeconfig, POD_NAMESPACE: namespace, POD_NAME: podName },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((res) =>
    child.on('exit', (code) => {
      exitCode = code;
      res(code);
    }),
  );
  let stopped: Promise<number | null | 'timeout'> | undefined;

  return {
    args,
    metricsPort,
    podName,
    saKubeConfig,
    output: () => out,
    async ready(timeoutMs = 60000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        if (exitCode !== undefined) {
          throw new Error(`the operator exited (${exitCode}) before it was ready:\n${out.slice(-3000)}`);
        }
        if ((await httpStatus(metricsPort, '/readyz').catch(() => 0)) === 200) return;
        if (Date.now() > end) throw new Error(`timed out waiting for /readyz of ${podName}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    stop() {
      stopped ??= (async () => {
        if (exitCode === undefined) child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const code = await Promise.race([
          exited,
          new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 20000))),
        ]);
        clearTimeout(timer);
        if (code === 'timeout') {
          child.kill('SIGKILL');
          await exited;
        }
        await rm(dir, { recursive: true, force: true });
        return code;
      })();
      return stopped;
    },
  };
}
