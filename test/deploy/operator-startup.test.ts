// The chart's Deployment arguments and RBAC are enough for the real operator: `dpm-operator run` with
// exactly the rendered args, authenticated as the rendered ServiceAccount (TokenRequest token), becomes
// ready, takes its per-release Lease, reconciles a CpcSubset (finalizer, status, events) without a
// single "forbidden", and releases the Lease on SIGTERM.
import * as k8s from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/devenv/control-plane.js';
import { freshNamespace, kubeConfig } from '../harness/kube.js';
import { deployChart, findOne, repoRoot, serviceAccountKubeConfig } from './helpers.js';

const kc = kubeConfig();

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** GET on loopback without keep-alive (no sockets left open after the test). */
function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((res, rej) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (r) => {
      r.resume();
      res(r.statusCode ?? 0);
    });
    req.on('error', rej);
  });
}

describe('the operator with the chart’s args and ServiceAccount', () => {
  it('starts, leads, reconciles without a forbidden request, and releases its Lease on SIGTERM', async () => {
    const ns = await freshNamespace(kc, 'chart-run');
    const hmcPort = await freePort(); // nothing listens: the HMC is "unreachable" at once
    const values = {
      hmc: { host: '127.0.0.1', port: hmcPort, userid: 'u', password: 'p' },
      cpcSubsets: [
        {
          name: 'cpc1',
          cpc: { name: 'CPC1' },
          limits: { maxPartitions: 1, maxProcessors: 1, maxMemoryMiB: 1024 },
        },
      ],
    };
    const objects = await deployChart(values, 'lab', ns);
    const deployment = findOne(objects, 'Deployment', 'lab-dpm-operator') as unknown as {
      spec: { template: { spec: { serviceAccountName: string; containers: { args: string[] }[] } } };
    };
    const pod = deployment.spec.template.spec;
    const metricsPort = await freePort();
    const args = pod.containers[0]!.args.map((a) =>
      a.startsWith('--metrics-port=') ? `--metrics-port=${metricsPort}` : a,
    );

    const sa = await serviceAccountKubeConfig(kc, ns, pod.serviceAccountName);
    const dir = await mkdtemp(join(tmpdir(), 'dpm-run-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, sa.exportConfig(), { mode: 0o600 });

    let output = '';
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repoRoot, 'src', 'cli.ts'), ...args],
      {
        env: {
          ...process.env,
          KUBECONFIG: kubeconfig,
          POD_NAMESPACE: ns,
          POD_NAME: 'lab-dpm-operator-abc12',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    try {
      await until('/readyz', async () =>
        (await httpStatus(metricsPort, '/readyz')) === 200 ? true : undefined,
      );
      const coord = kc.makeApiClient(k8s.CoordinationV1Api);
      await until('the Lease', async () => {
        const l = await coord.readNamespacedLease({ name: 'lab-dpm-operator', namespace: ns });
        // The identity is the pod name plus a random suffix.
        return l.spec?.holderIdentity?.startsWith('lab-dpm-operator-abc12_') ? l : undefined;
      });
      const custom = kc.makeApiClient(k8s.CustomObjectsApi);
      const sub = await until('a reconciled CpcSubset', async () => {
        const o = (await custom.getNamespacedCustomObject({
          group: 'dpm.operator.dev',
          version: 'v1alpha1',
          namespace: ns,
          plural: 'cpcsubsets',
          name: 'cpc1',
        })) as {
          metadata: { finalizers?: string[] };
          status?: { conditions?: { type: string; reason: string }[] };
        };
        return o.status?.conditions?.length ? o : undefined;
      });
      const ready = sub.status!.conditions!.find((c) => c.type === 'Ready');
      expect(ready?.reason).toBe('HmcUnreachable');
      const events = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedEvent({ namespace: ns });
      expect(events.items.some((e) => e.involvedObject.name === 'cpc1')).toBe(true);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- operator output ---\n${output.slice(-4000)}`);
    } finally {
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        exited,
        new Promise((r) => (timer = setTimeout(() => r('timeout'), 20000))),
      ]);
      clearTimeout(timer);
      if (code === 'timeout') child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      expect(code).toBe(0);
    }
    expect(output).not.toMatch(/forbidden/i);
    const lease = await kc
      .makeApiClient(k8s.CoordinationV1Api)
      .readNamespacedLease({ name: 'lab-dpm-operator', namespace: ns });
    expect(lease.spec?.holderIdentity ?? '').toBe('');
  }, 120000);
});
