// The project's OpenStack control plane (tools/openstack/run.sh) for one test file: free loopback
// ports, tied to the test process (spawnTied), with the endpoints it wrote once ready.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort, spawnTied } from '../../src/devenv/control-plane.js';
import { DEFAULT_QUEUE_FLAGS, type QueueFlags } from '../../src/nova-bridge/transport.js';

export type OpenStackService = 'placement' | 'nova' | 'cinder' | 'neutron';

export interface RunningOpenStack {
  dir: string;
  token: string;
  placementUrl: string;
  novaUrl: string;
  cinderUrl: string;
  neutronUrl: string;
  novaVenv: string;
  /** The services' RabbitMQ queue flags (quorum queues by default): a compute host must use the same. */
  queueFlags: QueueFlags;
  /** `dpm-operator nova-bridge` arguments for the same flags. */
  queueArgs: string[];
  /** Milliseconds from spawn to ready (venvs, databases, processes). */
  startMs: number;
  /**
   * Runs python-openstackclient (`openstack <args>`, its own venv) against this control plane (cloud
   * `dpm` of the clouds.yaml run.sh writes) and resolves with its stdout; rejects with its stderr.
   * Repeats a command that failed on SQLite's "database is locked" (up to 3 times, as RestClient).
   * Asynchronous: the test process also runs the Nova bridge, whose event loop must keep turning.
   */
  openstack(...args: string[]): Promise<string>;
  log(service: string): string;
  stop(): Promise<void>;
}

export async function startOpenStack(opts: {
  transportUrl: string;
  services?: OpenStackService[];
  vswitchMappings?: string;
  timeoutMs?: number;
}): Promise<RunningOpenStack> {
  const dir = await mkdtemp(join(tmpdir(), 'dpm-openstack-'));
  const services = opts.services ?? ['placement', 'nova', 'cinder', 'neutron'];
  const env: Record<string, string> = {
    TRANSPORT_URL: opts.transportUrl,
    OS_SERVICES: services.join(' '),
    OS_PLACEMENT_PORT: String(await freePort()),
    OS_NOVA_PORT: String(await freePort()),
    OS_CINDER_PORT: String(await freePort()),
    OS_NEUTRON_PORT: String(await freePort()),
    DPM_VSWITCH_MAPPINGS: opts.vswitchMappings ?? '',
    OS_PARENT_PID: String(process.pid),
  };
  const t0 = Date.now();
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const child: ChildProcess = spawnTied(
    'env',
    [...envArgs, 'bash', join(process.cwd(), 'tools/openstack/run.sh'), join(dir, 'run')],
    join(dir, 'run.log'),
  );
  const ready = join(dir, 'run', 'ready');
  const deadline = Date.now() + (opts.timeoutMs ?? 900_000);
  while (!existsSync(ready)) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`the OpenStack control plane did not start:\n${tail(join(dir, 'run.log'))}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const startMs = Date.now() - t0;
  const e = Object.fromEntries(
    readFileSync(join(dir, 'run', 'endpoints.env'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return {
    dir,
    token: e.OS_TOKEN!,
    placementUrl: e.OS_PLACEMENT_URL!,
    novaUrl: e.OS_NOVA_URL!,
    cinderUrl: e.OS_CINDER_URL!,
    neutronUrl: e.OS_NEUTRON_URL!,
    novaVenv: e.NOVA_VENV!,
    queueFlags: { ...DEFAULT_QUEUE_FLAGS, quorum: e.OS_RABBIT_QUORUM === 'true' },
    queueArgs: e.OS_RABBIT_QUORUM === 'true' ? ['--quorum-queues'] : [],
    startMs,
    log: (service) => tail(join(dir, 'run', 'log', `${service}.log`)),
    async openstack(...args) {
      const env = { ...process.env, OS_CLIENT_CONFIG_FILE: join(dir, 'run', 'clouds.yaml'), OS_CLOUD: 'dpm' };
      const bin = join(e.OPENSTACKCLIENT_VENV!, 'bin', 'openstack');
      try {
        return (await run(bin, args, { env, timeout: 300_000 })).stdout;
      } catch (err) {
        // --wait reports a server in ERROR on stdout; a kill after the timeout leaves both empty.
        const x = err as { stdout?: string; stderr?: string; killed?: boolean; message: string };
        const said = [x.stderr?.trim(), x.stdout?.trim()].filter(Boolean).join('\n');
        throw new Error(
          `openstack ${args.join(' ')}: ${x.killed ? 'killed after 300 s' : said || x.message}`,
        );
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((res) => child.once('exit', () => res()));
        child.kill('SIGTERM');
        await exited;
      }
      if (!process.env.DPM_KEEP_OPENSTACK) await rm(dir, { recursive: true, force: true });
    },
  };
}

const run = promisify(execFile);

function tail(file: string, n = 60): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return `(no ${file})`;
  }
}
