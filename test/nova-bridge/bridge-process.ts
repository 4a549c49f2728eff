// `dpm-operator nova-bridge` as a child process of a test (tsx on src/cli.ts), so that it can really
// be killed (SIGKILL: no clean-up at all) or stopped (SIGTERM) and started again.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';

export interface BridgeProcess {
  child: ChildProcess;
  name: string;
  output(): string;
  /** Resolves once the process logged `msg` (a pino message), e.g. 'serving compute RPC'. */
  logged(msg: string, timeoutMs?: number): Promise<void>;
  kill(): Promise<void>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function startBridgeProcess(opts: {
  kc: k8s.KubeConfig;
  namespace: string;
  host: string;
  transportUrl: string;
  /** POD_NAME of the process (its lease identity starts with it). */
  name: string;
  args?: string[];
  env?: Record<string, string>;
}): Promise<BridgeProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'nova-bridge-proc-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, opts.kc.exportConfig(), { mode: 0o600 });
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(process.cwd(), 'src', 'cli.ts'),
      'nova-bridge',
      `--host=${opts.host}`,
      `--namespace=${opts.namespace}`,
      ...(opts.args ?? []),
    ],
    {
      env: {
        ...process.env,
        KUBECONFIG: kubeconfig,
        TRANSPORT_URL: opts.transportUrl,
        POD_NAME: opts.name,
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  void exit.then(() => rm(dir, { recursive: true, force: true }));
  return {
    child,
    name: opts.name,
    output: () => out,
    async logged(msg, timeoutMs = 120_000) {
      const needle = `"msg":${JSON.stringify(msg)}`;
      const deadline = Date.now() + timeoutMs;
      while (!out.includes(needle)) {
        if (exited()) throw new Error(`bridge ${opts.name} exited before "${msg}":\n${out.slice(-3000)}`);
        if (Date.now() > deadline)
          throw new Error(`bridge ${opts.name}: no "${msg}" in ${timeoutMs} ms:\n${out.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async kill() {
      if (!exited()) child.kill('SIGKILL');
      await exit;
    },
    async stop() {
      if (!exited()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const [code] = await exit;
      clearTimeout(timer);
      return code;
    },
  };
}
