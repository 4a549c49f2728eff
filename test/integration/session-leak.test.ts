// Sessions never leak across restarts: the real `dpm-operator run` process (leader election on, the
// session ledger Secret as the chart creates it) against the real kube-apiserver and the HMC simulator
// is killed with SIGKILL twice, then stopped with SIGTERM; the HMC's logged-on sessions of the operator's
// userid are counted after each step, the way an HMC administrator would notice them (logons until the
// per-user cap answers 400.13).
import * as k8s from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import https from 'node:https';
import { join } from 'node:path';
import { freePort } from '../../src/devenv/control-plane.js';
import { startSimulator, type RunningSimulator } from '../../src/hmc-simulator/index.js';
import { freshNamespace, kubeConfig } from '../harness/kube.js';
import { applyObjects, installCrds, sampleObjects, waitFor } from '../harness/operator.js';

const MAX_SESSIONS = 8;
const LEDGER = 'dpm-operator-hmc-sessions';

function hmc(sim: RunningSimulator, method: string, path: string, body?: unknown, session?: string) {
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (session) headers['X-API-Session'] = session;
    const req = https.request(
      new URL(path, sim.url),
      { method, ca: sim.caPem, headers, agent: false },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Logged-on sessions of the simulator's userid: the cap minus how many more logons it accepts. */
async function loggedOnSessions(sim: RunningSimulator): Promise<number> {
  const probes: string[] = [];
  try {
    for (;;) {
      const r = await hmc(sim, 'POST', '/api/sessions', { userid: sim.userid, password: sim.password });
      if (r.status === 400 && r.body['reason'] === 13) return MAX_SESSIONS - probes.length;
      if (r.status !== 200) throw new Error(`logon probe: HTTP ${r.status}`);
      probes.push(String(r.body['api-session']));
    }
  } finally {
    for (const id of probes) await hmc(sim, 'DELETE', '/api/sessions/this-session', undefined, id);
  }
}

/** Top-level keys of a JSON object text as written, duplicates included (JSON.parse keeps only the last). */
function writtenKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      let j = i + 1;
      while (line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (depth === 1 && line[j + 1] === ':') keys.push(line.slice(i + 1, j));
      i = j;
    }
  }
  return keys;
}

interface OperatorProcess {
  child: ChildProcess;
  output: () => string;
  exit: Promise<[number | null, NodeJS.Signals | null]>;
}

describe('HMC sessions across operator restarts', () => {
  const kc = kubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let sim: RunningSimulator;
  let ns: string;
  const running: OperatorProcess[] = [];

  const start = async (): Promise<OperatorProcess> => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(process.cwd(), 'src', 'cli.ts'),
        'run',
        `--namespaces=${ns}`,
        `--metrics-port=${await freePort()}`,
        `--stomp-port=${sim.stompPort}`,
        '--leader-elect',
        `--leader-election-namespace=${ns}`,
        '--lease-name=dpm-operator',
        `--session-secret=${LEDGER}`,
        '--shutdown-timeout=20',
      ],
      { env: { ...process.env, POD_NAMESPACE: ns, POD_NAME: 'op' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const p = { child, output: () => out, exit: once(child, 'exit') as OperatorProcess['exit'] };
    running.push(p);
    return p;
  };

  /** The ledger's entries (one per logged-on session of the operator). */
  const ledger = async (): Promise<string[]> =>
    Object.keys((await core.readNamespacedSecret({ namespace: ns, name: LEDGER })).data ?? {}).sort();

  /** Waits until the process recorded a logon that is not among `before`. */
  const loggedOn = async (op: OperatorProcess, before: string[]): Promise<string[]> =>
    waitFor(
      `a new HMC session in the ledger\n${op.output().slice(-2000)}`,
      async () => {
        const now = await ledger();
        return now.length > 0 && now.some((k) => !before.includes(k)) ? now : undefined;
      },
      120_000,
      250,
    );

  beforeAll(async () => {
    await installCrds(kc);
    ns = await freshNamespace(kc, 'leak');
    sim = await startSimulator({ port: 0, stompPort: 0, jobDurationMs: 100, maxSessions: MAX_SESSIONS });
    // As the chart creates it: empty, the operator only gets and patches it.
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: LEDGER } } });
    await applyObjects(
      kc,
      ns,
      await sampleObjects(sim, ['00-hmc-credentials.yaml', '01-cpcsubset.yaml', '02-partition.yaml']),
    );
  });

  afterAll(async () => {
    for (const p of running)
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await sim?.stop();
  });

  it('SIGKILL twice: the successor logs off what was left; SIGTERM: logs off and releases the Lease', async () => {
    const counts: number[] = [await loggedOnSessions(sim)];
    expect(counts[0]).toBe(0);

    let op = await start();
    let entries = await loggedOn(op, []);
    expect(entries).toHaveLength(1);
    counts.push(await loggedOnSessions(sim)); // 1: the operator's session

    for (let kill = 0; kill < 2; kill++) {
      op.child.kill('SIGKILL');
      await op.exit;
      counts.push(await loggedOnSessions(sim)); // the killed process's session is still logged on
      op = await start();
      entries = await loggedOn(op, entries);
      expect(entries).toHaveLength(1); // the predecessor's entry is gone: it was logged off
      counts.push(await loggedOnSessions(sim));
    }
    // Logged on: 1; after the kill: 1 (left over); after the restart: still 1, never growing.
    expect(counts).toEqual([0, 1, 1, 1, 1, 1]);

    await sim.admin.resetStats();
    const t0 = Date.now();
    op.child.kill('SIGTERM');
    const [code] = await op.exit;
    const stopMs = Date.now() - t0;
    expect(code).toBe(0);
    expect(stopMs).toBeLessThan(25_000); // within --shutdown-timeout (+ margin), below the 30 s grace
    const stats = await sim.admin.stats();
    expect(stats.routes['DELETE /api/sessions/this-session']?.count).toBe(1);
    expect(await loggedOnSessions(sim)).toBe(0);
    expect(await ledger()).toEqual([]);
    const lease = await kc
      .makeApiClient(k8s.CoordinationV1Api)
      .readNamespacedLease({ namespace: ns, name: 'dpm-operator' });
    expect(lease.spec?.holderIdentity ?? '').toBe('');
    expect(op.output()).toContain('stopped: HMC sessions logged off, Lease released');

    // Every log line of every process is valid JSON without repeated keys, and no credential in it.
    const lines = running.flatMap((p) => p.output().split('\n')).filter((l) => l.trim() !== '');
    expect(lines.some((l) => l.includes('logged off HMC sessions a previous operator process left'))).toBe(
      true,
    );
    for (const line of lines) {
      const keys = writtenKeys(line);
      expect(Object.keys(JSON.parse(line) as object).sort()).toEqual([...keys].sort());
      expect(line).not.toContain(sim.password);
    }
  }, 300_000);
});
