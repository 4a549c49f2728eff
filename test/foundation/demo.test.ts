// `npm run demo` as a new user runs it: it comes up without a stack trace, its metrics endpoint listens
// on 127.0.0.1 only (as printed), the printed env file gives a kubectl that reaches it, and one SIGTERM
// or SIGINT to the PID `npm run demo` started stops every process it started and removes its
// temporary directory (service-account key, token file) and the kubeconfig it wrote.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every live descendant of a process (Linux /proc). */
async function descendants(root: number): Promise<number[]> {
  const parent = new Map<number, number>();
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const stat = await readFile(`/proc/${d}/stat`, 'utf8').catch(() => '');
    const m = /\) \S+ (\d+)/.exec(stat);
    if (m) parent.set(Number(d), Number(m[1]));
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    for (const [child, p] of parent) {
      if (p !== pid) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

/** Local address of the TCP socket listening on `port`, as /proc/net/tcp{,6} has it (hex). */
async function listenAddress(port: number): Promise<string[]> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(f, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '0A' && local?.endsWith(`:${hexPort}`)) out.push(local.split(':')[0]!);
    }
  }
  return out;
}

function sh(cmd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    const c = spawn('bash', ['-c', cmd], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (out += d.toString()));
    c.on('close', (code) => res({ code: code ?? 1, out }));
  });
}

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`);

describe('npm run demo', () => {
  let work: string;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'dpm-demo-test-'));
  });
  afterEach(async () => {
    // Only matters when an assertion failed before the demo stopped: end whatever is left of the
    // process group this test started (npm, and a demo that outlived it).
    if (child?.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: nothing left
      }
    }
    await rm(work, { recursive: true, force: true });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'comes up cleanly, is reachable as printed, and one %s to its PID stops everything',
    async (signal) => {
      const demoTmp = join(work, 'tmp');
      const home = join(work, 'home');
      await mkdir(demoTmp);
      const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: demoTmp, DPM_DEMO_HOME: home };
      delete env.KUBECONFIG; // the test run's own API server must not be what kubectl reaches
      child = spawn('npm', ['run', 'demo'], {
        cwd: repoRoot,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((r) => child!.on('exit', (code) => r(code)));
      const deadline = Date.now() + 300_000;
      while (!out.includes('Ctrl-C stops everything.')) {
        if (child.exitCode !== null) throw new Error(`the demo exited early:\n${out}`);
        if (Date.now() > deadline) throw new Error(`the demo did not come up in 300 s:\n${out}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(out).not.toMatch(/^\s+at /m); // no stack trace
      expect(out).not.toMatch(/informer stopped with an error/);

      // The metrics endpoint listens where it says: 127.0.0.1 only.
      const port = Number(/metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(out)?.[1]);
      expect(port).toBeGreaterThan(0);
      expect(await listenAddress(port)).toEqual(['0100007F']);
      // What the chart's dashboard and alerts read, from the real run (web-01 started through a job).
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const sample = (name: string, labels: string): number | undefined => {
        const line = metrics
          .split('\n')
          .find((l) => l.startsWith(`${name}{`) && labels.split(',').every((x) => l.includes(x)));
        return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
      };
      expect(sample('dpm_partitions', 'object_namespace="default",phase="Running"')).toBe(1);
      expect(sample('dpm_partition_ready', 'partition="web-01"')).toBe(1);
      expect(sample('dpm_cpcsubset_limit', 'cpcsubset="demo",resource="partitions"')).toBe(10);
      // status.usage as last reported (the CpcSubset re-checks every 10 min, so possibly before web-01).
      expect(sample('dpm_cpcsubset_usage', 'cpcsubset="demo",resource="partitions"')).toEqual(
        expect.any(Number),
      );
      expect(sample('hmc_notifications_connected', 'hmc="127.0.0.1')).toBe(1);
      expect(sample('hmc_job_duration_seconds_count', 'result="complete"')).toBeGreaterThanOrEqual(1);
      expect(sample('hmc_requests_total', 'method="POST"')).toBeGreaterThanOrEqual(1);

      // The printed env file: the project's kubectl (v1.34, the API server's version) reaches the demo.
      const envFile = join(home, 'env');
      expect(out).toContain(`source ${envFile}`);
      const k = await sh(
        `source '${envFile}' && kubectl version -o json && kubectl get partitions -o name`,
        env,
      );
      expect(k.code).toBe(0);
      expect(k.out).toMatch(/"gitVersion": "v1\.34\./);
      expect(k.out).toContain('partition.dpm.operator.dev/web-01');
      // The console the demo ends by showing, as printed (kubectl plugin on PATH, simulator's STOMP port).
      expect(out).toContain('kubectl dpm console web-01');
      const c = await sh(`source '${envFile}' && kubectl dpm console web-01 --no-follow --tail 50`, env);
      expect(c.code).toBe(0);
      expect(c.out).toMatch(/login:/);

      const controlPlaneDir = /kubeconfig (\S+)\/kubeconfig/.exec(out)?.[1] ?? '';
      expect(controlPlaneDir.startsWith(demoTmp)).toBe(true);
      expect(existsSync(join(controlPlaneDir, 'sa.key'))).toBe(true);
      const started = await descendants(child.pid!);
      expect(started.length).toBeGreaterThanOrEqual(4); // tsx, node, etcd, kube-apiserver (+ guards)

      process.kill(child.pid!, signal); // the PID npm run demo started, not its process group
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        exited,
        new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 60_000))),
      ]);
      clearTimeout(timer);
      expect(code).not.toBe('timeout');
      expect(out).toContain('stopped; nothing left running.');
      // etcd and kube-apiserver stop within their guards' grace period.
      const stopDeadline = Date.now() + 15_000;
      while (started.some(alive) && Date.now() < stopDeadline) await new Promise((r) => setTimeout(r, 250));
      expect(started.filter(alive)).toEqual([]);
      // The control plane dir (sa.key, tokens.csv) and the simulator's TLS key are gone; tsx-<uid> is
      // tsx's own compile cache, not the demo's.
      expect((await readdir(demoTmp)).filter((f) => !/^tsx-\d+$/.test(f))).toEqual([]);
      expect(existsSync(home)).toBe(false); // kubeconfig and env gone
    },
    420_000,
  );
});
