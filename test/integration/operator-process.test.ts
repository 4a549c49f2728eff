// The operator as `dpm-operator run` assembles it (startOperator): metrics, probes, Events, graceful shutdown
// with HMC logoff, against the HMC simulator and the real kube-apiserver.
import * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import type { Partition } from '../../src/crds/index.js';
import { startOperator, type RunningOperator } from '../../src/controllers/operator.js';
import { startSimulator, type RunningSimulator } from '../../src/hmc-simulator/index.js';
import { installCrds } from '../../src/devenv/install-crds.js';
import { freshNamespace, kubeConfig } from '../harness/kube.js';
import { applyObjects, sampleObjects, waitFor } from '../harness/operator.js';

describe('the operator process', () => {
  const kc = kubeConfig();
  let sim: RunningSimulator;
  let op: RunningOperator | undefined;

  afterAll(async () => {
    await op?.stop();
    await sim?.stop();
  });

  it('serves metrics and probes, records Events, and logs off the HMC on shutdown', async () => {
    await installCrds(kc);
    const ns = await freshNamespace(kc, 'proc');
    sim = await startSimulator({ port: 0, stompPort: 0, jobDurationMs: 100, seedName: 'z13' });
    op = await startOperator({
      kubeConfig: kc,
      namespaces: [ns],
      concurrency: 2,
      metricsPort: 0,
      leaderElect: true,
      leaseNamespace: ns,
      leaseName: 'dpm-operator',
      log: pino({ level: 'silent' }),
      stompPort: sim.stompPort,
    });
    const base = `http://127.0.0.1:${op.metricsPort}`;
    await waitFor('readyz', async () => (await fetch(`${base}/readyz`)).status === 200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    await applyObjects(
      kc,
      ns,
      await sampleObjects(sim, [
        '00-hmc-credentials.yaml',
        '01-cpcsubset.yaml',
        '02-partition.yaml',
        '03-nics.yaml',
        '04-hbas.yaml',
      ]),
    );
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    await waitFor(
      'web-01 Running',
      async () => {
        const p = (await custom.getNamespacedCustomObject({
          group: 'dpm.operator.dev',
          version: 'v1alpha1',
          namespace: ns,
          plural: 'partitions',
          name: 'web-01',
        })) as Partition;
        return p.status?.phase === 'Running';
      },
      90_000,
    );

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/dpm_reconcile_total\{controller="partition",result="(success|requeue)"\} [1-9]/);
    expect(metrics).toMatch(/hmc_requests_total\{[^}]*\} [1-9]/);
    expect(metrics).toContain('dpm_reconcile_duration_seconds_bucket');

    const lease = await kc
      .makeApiClient(k8s.CoordinationV1Api)
      .readNamespacedLease({ name: 'dpm-operator', namespace: ns });
    expect(lease.spec?.holderIdentity).toBeTruthy();

    const events = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedEvent({ namespace: ns });
    const reasons = new Set(
      events.items.filter((e) => e.involvedObject.name === 'web-01').map((e) => e.reason),
    );
    for (const r of ['Created', 'HbaCreated', 'NicCreated', 'Updated', 'Started'])
      expect(reasons).toContain(r);

    await sim.admin.resetStats();
    await op.stop();
    await op.done;
    op = undefined;
    const stats = await sim.admin.stats();
    expect(stats.routes['DELETE /api/sessions/this-session']?.count).toBe(1);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
