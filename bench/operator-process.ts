// `dpm-operator run` as a child process of the benchmark, compiled and started as the image runs it (`node
// <NODE_FLAGS> dist/src/cli.js`, no TypeScript loader in the process), so its RSS and CPU are its own, read
// from /proc.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { copyFile, readFile, symlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import http from 'node:http';
import { join } from 'node:path';
import { NODE_FLAGS } from '../src/cli/node-flags.js';
import { freePort } from '../src/devenv/control-plane.js';

const TICKS_PER_S = 100; // USER_HZ on Linux

export interface ProcSample {
  /** Resident set size now, MiB. */
  readonly rssMiB: number;
  /** Peak resident set size (VmHWM), MiB. */
  readonly peakRssMiB: number;
  /** User + system CPU seconds since the process started. */
  readonly cpuSeconds: number;
}

const root = join(import.meta.dirname, '..');

/** Compiles the operator into `dir` (as the Dockerfile does); returns the path of its cli.js. */
export async function buildOperator(dir: string): Promise<string> {
  await promisify(execFile)(
    process.execPath,
    [
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      join(dir, 'dist'),
    ],
    { cwd: root },
  );
  await copyFile(join(root, 'package.json'), join(dir, 'package.json'));
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'));
  return join(dir, 'dist', 'src', 'cli.js');
}

export interface BenchOperator {
  readonly pid: number;
  readonly metricsPort: number;
  readonly startedAt: number;
  sample(): Promise<ProcSample>;
  /** ms from spawn until /readyz answered 200 (informers synced). */
  ready(timeoutMs: number): Promise<number>;
  /** The operator's own "informers synced" measurement (ms), from its log. */
  informerSyncMs(): Promise<number | undefined>;
  stop(): Promise<void>;
}

export async function startBenchOperator(opts: {
  cli: string;
  kubeconfigPath: string;
  namespace: string;
  stompPort: number;
  concurrency: number;
  logFile: string;
  /** Write a V8 CPU profile (.cpuprofile) of the operator into this directory when it exits. */
  cpuProfDir?: string;
}): Promise<BenchOperator> {
  const metricsPort = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // As the image runs it (Dockerfile ENTRYPOINT): the V8 flags change the RSS measured here.
      ...NODE_FLAGS,
      ...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []),
      opts.cli,
      'run',
      `--kubeconfig=${opts.kubeconfigPath}`,
      `--namespaces=${opts.namespace}`,
      `--concurrency=${opts.concurrency}`,
      `--metrics-port=${metricsPort}`,
      `--stomp-port=${opts.stompPort}`,
      '--log-level=info',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, POD_NAMESPACE: opts.namespace } },
  );
  // Never outlive the benchmark (run.ts turns SIGINT/SIGTERM into an exit).
  const orphanGuard = (): void => void child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const startedAt = Date.now();
  const log = createWriteStream(opts.logFile);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited = false;
  const exit = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  const pid = child.pid ?? 0;
  return {
    pid,
    metricsPort,
    startedAt,
    async sample() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
      // fields after "pid (comm) ": state=0 ... utime=11, stime=12
      const cpu = (Number(stat[11]) + Number(stat[12])) / TICKS_PER_S;
      return { rssMiB: kb('VmRSS') / 1024, peakRssMiB: kb('VmHWM') / 1024, cpuSeconds: cpu };
    },
    async ready(timeoutMs) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        if (exited) throw new Error(`the operator exited before it was ready; see ${opts.logFile}`);
        if ((await status(metricsPort, '/readyz').catch(() => 0)) === 200) return Date.now() - startedAt;
        if (Date.now() > end)
          throw new Error(`operator not ready after ${timeoutMs} ms; see ${opts.logFile}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async informerSyncMs() {
      const text = await readFile(opts.logFile, 'utf8');
      for (const line of text.split('\n')) {
        if (!line.includes('"informers synced"')) continue;
        return (JSON.parse(line) as { ms?: number }).ms;
      }
      return undefined;
    },
    async stop() {
      if (!exited) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exit;
      clearTimeout(t);
      process.removeListener('exit', orphanGuard);
      log.end();
    },
  };
}

function status(port: number, path: string): Promise<number> {
  return new Promise((res, rej) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (r) => {
      r.resume();
      res(r.statusCode ?? 0);
    });
    req.on('error', rej);
  });
}
