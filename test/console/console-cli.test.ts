// `dpm-operator console` (and `kubectl dpm console`, the plugin in bin/) as a user runs it: a real
// kube-apiserver, the HMC simulator, the operator making the sample partition web-01 Active, and
// the CLI in its own process: history, follow, send, and the errors (not found, no permission to
// read the Secret, not started, HMC unreachable).
import * as k8s from '@kubernetes/client-node';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Partition } from '../../src/crds/index.js';
import { bin, repoRoot, serviceAccountKubeConfig } from '../deploy/helpers.js';
import { getCr, startOperatorEnv, waitFor, type OperatorEnv } from '../harness/operator.js';

const LIST = 'GET /api/partitions/{id}/operations/list-os-messages';
const PLUGIN = join(repoRoot, 'bin', 'kubectl-dpm');
const SAMPLES = [
  '00-hmc-credentials.yaml',
  '01-cpcsubset.yaml',
  '02-partition.yaml',
  '03-nics.yaml',
  '04-hbas.yaml',
];

interface Proc {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number>;
}

function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number>((resolve) =>
    child.on('close', (code, sig) => resolve(code ?? (sig ? 128 : 1))),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

let env: OperatorEnv;
let tmp: string;
let target: string;
let stompArgs: string[];

async function consoleRun(
  args: string[],
  kubeconfig = process.env.KUBECONFIG ?? '',
): Promise<{ code: number; out: string; err: string }> {
  const p = start(PLUGIN, ['console', ...args, ...stompArgs], { KUBECONFIG: kubeconfig });
  const code = await p.exit;
  return { code, out: p.stdout(), err: p.stderr() };
}

beforeAll(async () => {
  env = await startOperatorEnv({ resyncMs: 1000 });
  tmp = await mkdtemp(join(tmpdir(), 'dpm-console-'));
  target = `${env.ns}/web-01`;
  stompArgs = ['--stomp-port', String(env.sim.stompPort)];
  await env.applySamples(SAMPLES);
  await waitFor(
    'web-01 Running',
    async () => {
      const p = await getCr<Partition>(env, 'partitions', 'web-01');
      return p?.status?.phase === 'Running' && p.status.hmcStatus === 'active' ? p : undefined;
    },
    90_000,
  );
});
afterAll(async () => {
  await env?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('history: the boot log of web-01 from its FCP LUN with both NICs, ending at the login prompt', async () => {
  const p = await getCr<Partition>(env, 'partitions', 'web-01');
  const hbaA = p!.status!.hbas!.find((h) => h.name.includes('hba-a'));
  const r = await consoleRun([target, '--no-follow']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const lines = r.out.trimEnd().split('\n');
  expect(lines[0]).toBe(
    `IPL from FCP device 0.0.${String(hbaA?.deviceNumber ?? '').toLowerCase()} WWPN 0x500507680b2145f0 LUN 0x0001000000000000`,
  );
  const cmdline = lines.find((l) => l.startsWith('Kernel command line: '));
  expect(cmdline).toContain(p!.status!.bootOsSpecificParameters);
  for (const nic of p!.status!.nics ?? []) {
    const devno = String(nic.deviceNumber).toLowerCase();
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^qeth 0\\.0\\.${devno} enc`)));
  }
  expect(lines).toContainEqual(
    expect.stringMatching(/MAC address 02:00:00:00:01:0a successfully registered$/),
  );
  expect(lines[lines.length - 1]).toMatch(/ login:$/);

  const tail = await consoleRun([target, '--no-follow', '--tail', '2']);
  expect(tail.out.trimEnd().split('\n')).toEqual(lines.slice(-2));
});

test('follow through `kubectl dpm console` and send with --send', async () => {
  const kubectlDir = (await bin('kubectl')).replace(/\/kubectl$/, '');
  const path = `${join(repoRoot, 'bin')}:${kubectlDir}:${process.env.PATH ?? ''}`;
  const listsBefore = (await env.sim.admin.stats()).routes[LIST]?.count ?? 0;
  const follower = start('kubectl', ['dpm', 'console', 'web-01', '-n', env.ns, ...stompArgs], { PATH: path });
  try {
    await waitFor('the history', async () => / login: \n$/.test(follower.stdout()), 120_000);
    const historyLength = follower.stdout().length;
    // The follower lists once more after its subscription is confirmed: then it cannot miss the answer.
    await waitFor(
      'the follower subscribed',
      async () => (await env.sim.admin.stats()).routes[LIST]!.count >= listsBefore + 2,
      60_000,
    );

    const send = await consoleRun([target, '--send', 'hostname', '--no-follow', '--tail', '0']);
    expect(send.err).toBe('');
    expect(send.code).toBe(0);
    // The guest's host name is the partition's HMC name, in lower case.
    const host = String((await getCr<Partition>(env, 'partitions', 'web-01'))?.status?.hmcName).toLowerCase();
    const answer = `root@${host}:~# hostname\n${host}\nroot@${host}:~# \n`;
    expect(send.out).toBe(answer);

    await waitFor(
      'the answer live',
      async () => follower.stdout().length >= historyLength + answer.length,
      30_000,
    );
    expect(follower.stdout().slice(historyLength)).toBe(answer);
  } finally {
    follower.child.kill('SIGINT');
  }
  expect(await follower.exit).toBe(0);
  expect(follower.stderr()).toBe('');
});

test('clear errors: not found, no permission to read the Secret', async () => {
  const missing = await consoleRun([`${env.ns}/web-99`, '--no-follow']);
  expect(missing.code).toBe(1);
  expect(missing.err).toContain(`Partition ${env.ns}/web-99 not found`);

  // A user who may read Partitions and CpcSubsets, but not Secrets.
  const core = env.kc.makeApiClient(k8s.CoreV1Api);
  const rbac = env.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace: env.ns, body: { metadata: { name: 'viewer' } } });
  await rbac.createNamespacedRole({
    namespace: env.ns,
    body: {
      metadata: { name: 'dpm-viewer' },
      rules: [{ apiGroups: ['dpm.operator.dev'], resources: ['partitions', 'cpcsubsets'], verbs: ['get'] }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: env.ns,
    body: {
      metadata: { name: 'dpm-viewer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'dpm-viewer' },
      subjects: [{ kind: 'ServiceAccount', name: 'viewer', namespace: env.ns }],
    },
  });
  const viewer = await serviceAccountKubeConfig(env.kc, env.ns, 'viewer');
  const file = join(tmp, 'viewer.kubeconfig');
  await writeFile(file, viewer.exportConfig(), { mode: 0o600 });
  const denied = await waitFor(
    'RBAC to apply',
    async () => {
      const r = await consoleRun([target, '--no-follow'], file);
      return r.err.includes('no permission to read Partition') ? undefined : r;
    },
    30_000,
  );
  expect(denied.code).toBe(1);
  expect(denied.err).toContain(`no permission to read Secret ${env.ns}/hmc-sim-credentials (403)`);
  expect(denied.out).toBe('');
});

test('clear errors: not started, HMC unreachable', async () => {
  await env.custom.patchNamespacedCustomObject(
    {
      group: 'dpm.operator.dev',
      version: 'v1alpha1',
      namespace: env.ns,
      plural: 'partitions',
      name: 'web-01',
      body: { spec: { powerState: 'Stopped' } },
    },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  await waitFor(
    'web-01 Stopped',
    async () => (await getCr<Partition>(env, 'partitions', 'web-01'))?.status?.hmcStatus === 'stopped',
    60_000,
  );
  const stopped = await consoleRun([target]);
  expect(stopped.code).toBe(1);
  expect(stopped.err).toContain(`Partition ${target} is not started (HMC status stopped)`);
  expect(stopped.out).toMatch(/reboot: Power down \(openstack-demo-[0-9a-f-]{36}\)/);

  await env.stopOperator();
  await env.sim.stop();
  const down = await consoleRun([target, '--no-follow']);
  expect(down.code).toBe(1);
  expect(down.err).toMatch(/HMC 127\.0\.0\.1:\d+ is unreachable/);
});
