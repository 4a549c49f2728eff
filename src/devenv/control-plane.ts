// A real, local Kubernetes control plane (etcd + kube-apiserver) on loopback, for tests and the demo.
// The binaries are built from Go modules by tools/control-plane/build.sh and cached outside the repo.
// There is no kube-controller-manager: no garbage collection, no namespace finalization, no pods.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import https from 'node:https';

const execFileP = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ControlPlane {
  readonly server: string;
  readonly adminToken: string;
  /** PEM of the API server's self-signed serving certificate (its own CA). */
  readonly caPem: string;
  readonly kubeconfigPath: string;
  readonly dir: string;
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Directory for data, certificates and the kubeconfig; a temporary one by default. */
  dir?: string;
  /** Progress lines (binary build, start, ready). */
  log?: (line: string) => void;
  /** How long to wait for /readyz. */
  readyTimeoutMs?: number;
}

/** Builds (first time only) or finds the cached kube-apiserver and etcd; returns their directory. */
export async function ensureBinaries(log: (l: string) => void = () => {}): Promise<string> {
  const script = join(repoRoot, 'tools', 'control-plane', 'build.sh');
  const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line.startsWith('build.sh:')) log(line);
  });
  const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? 1)));
  if (code !== 0) throw new Error(`tools/control-plane/build.sh failed with exit code ${code}`);
  return out.trim().split('\n').pop() ?? '';
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/**
 * Spawns a child that cannot outlive this process: a bash guard watches our pid and kills the
 * child when we are gone (SIGKILL of jest, a crashed demo), so no etcd or apiserver is leaked.
 */
export function spawnTied(cmd: string, args: string[], logFile: string): ChildProcess {
  const guard = `"$@" >>"${logFile}" 2>&1 & c=$!
trap 'kill -TERM $c 2>/dev/null; wait $c; exit 0' TERM INT
while kill -0 ${process.pid} 2>/dev/null && kill -0 $c 2>/dev/null; do sleep 0.5; done
kill -TERM $c 2>/dev/null; for i in $(seq 1 20); do kill -0 $c 2>/dev/null || exit 0; sleep 0.25; done; kill -KILL $c 2>/dev/null`;
  return spawn('bash', ['-c', guard, 'guard', cmd, ...args], { stdio: 'ignore', detached: false });
}

async function stopChild(child: ChildProcess, timeoutMs = 10000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

function getStatus(url: string, token: string, ca: string | undefined): Promise<number> {
  return new Promise((res) => {
    const req = https.get(url, { headers: { Authorization: `Bearer ${token}` }, ca, timeout: 2000 }, (r) => {
      r.resume();
      res(r.statusCode ?? 0);
    });
    req.on('error', () => res(0));
    req.on('timeout', () => req.destroy());
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export function kubeconfigYaml(server: string, token: string, caPem: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: ${server}
    certificate-authority-data: ${ca}
users:
- name: admin
  user:
    token: ${token}
contexts:
- name: local
  context: {cluster: local, user: admin, namespace: default}
current-context: local
`;
}

/** The last lines of a child's log, for an error raised before its directory is removed. */
async function logTail(file: string, lines = 20): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => `(no ${file})`);
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Starts etcd and kube-apiserver on free loopback ports, waits for /readyz, writes a kubeconfig. */
export async function startControlPlane(opts: StartOptions = {}): Promise<ControlPlane> {
  const log = opts.log ?? (() => {});
  const bin = await ensureBinaries(log);
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'dpm-cp-')));
  await mkdir(join(dir, 'certs'), { recursive: true });
  const [etcdPort, apiPort] = [await freePort(), await freePort()];
  const adminToken = randomBytes(24).toString('hex');
  await writeFile(join(dir, 'tokens.csv'), `${adminToken},admin,admin,"system:masters"\n`, { mode: 0o600 });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
  await writeFile(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));

  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const etcd = spawnTied(
    join(bin, 'etcd'),
    [
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      '--listen-peer-urls=http://127.0.0.1:0',
      '--unsafe-no-fsync',
      '--log-level=error',
    ],
    join(dir, 'etcd.log'),
  );
  const children: ChildProcess[] = [etcd];
  const stop = async (): Promise<void> => {
    for (const c of children.reverse()) await stopChild(c);
    if (!opts.dir) await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'etcd',
      async () => {
        if (etcd.exitCode !== null) throw new Error(`etcd exited:\n${await logTail(join(dir, 'etcd.log'))}`);
        try {
          const r = await fetch(`${etcdUrl}/health`);
          return r.ok;
        } catch {
          return false;
        }
      },
      30000,
    );
    const server = `https://127.0.0.1:${apiPort}`;
    const api = spawnTied(
      join(bin, 'kube-apiserver'),
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${join(dir, 'certs')}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--disable-admission-plugins=ServiceAccount',
        '--allow-privileged=true',
        '--v=0',
      ],
      join(dir, 'kube-apiserver.log'),
    );
    children.push(api);
    log(`kube-apiserver starting on ${server}`);
    let caPem: string | undefined;
    await waitFor(
      'kube-apiserver /readyz',
      async () => {
        if (api.exitCode !== null)
          throw new Error(`kube-apiserver exited:\n${await logTail(join(dir, 'kube-apiserver.log'))}`);
        caPem ??= await readFile(join(dir, 'certs', 'apiserver.crt'), 'utf8').catch(() => undefined);
        return caPem !== undefined && (await getStatus(`${server}/readyz`, adminToken, caPem)) === 200;
      },
      opts.readyTimeoutMs ?? 90000,
    );
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml(server, adminToken, caPem!), { mode: 0o600 });
    log(`kube-apiserver ready; kubeconfig ${kubeconfigPath}`);
    return {
      server,
      adminToken,
      caPem: caPem!,
      kubeconfigPath,
      dir,
      pids: children.map((c) => c.pid ?? 0),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Runs a cached kubectl/helm (tools/k8s-clients.sh) and returns its stdout. */
export async function k8sClientsDir(): Promise<string> {
  const { stdout } = await execFileP('bash', [join(repoRoot, 'tools', 'k8s-clients.sh')]);
  return stdout.trim();
}
