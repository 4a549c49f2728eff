// The chart's Deployment arguments and RBAC are enough for the real operator: `dpm-operator run` with
// exactly the rendered args, authenticated as the rendered ServiceAccount (TokenRequest token), becomes
// ready, takes its per-release Lease, reconciles a CpcSubset (status, events) without a
// single "forbidden", and releases the Lease on SIGTERM.
import * as k8s from '@kubernetes/client-node';
import { freePort } from '../../src/devenv/control-plane.js';
import { freshNamespace, kubeConfig } from '../harness/kube.js';
import { deployChart } from './helpers.js';
import { startChartOperator, until } from './run-operator.js';

const kc = kubeConfig();

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
    const op = await startChartOperator(kc, ns, objects);
    let code: Awaited<ReturnType<typeof op.stop>>;
    try {
      await op.ready();
      const coord = kc.makeApiClient(k8s.CoordinationV1Api);
      await until('the Lease', async () => {
        const l = await coord.readNamespacedLease({ name: 'lab-dpm-operator', namespace: ns });
        // The identity is the pod name plus a random suffix.
        return l.spec?.holderIdentity?.startsWith(`${op.podName}_`) && l;
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
          status?: { conditions?: { type: string; reason: string }[] };
        };
        return o.status?.conditions?.length ? o : undefined;
      });
      const ready = sub.status!.conditions!.find((c) => c.type === 'Ready');
      expect(ready?.reason).toBe('HmcUnreachable');
      const events = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedEvent({ namespace: ns });
      expect(events.items.some((e) => e.involvedObject.name === 'cpc1')).toBe(true);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- operator output ---\n${op.output().slice(-4000)}`);
    } finally {
      code = await op.stop();
    }
    expect(code).toBe(0);
    expect(op.output()).not.toMatch(/forbidden/i);
    const lease = await kc
      .makeApiClient(k8s.CoordinationV1Api)
      .readNamespacedLease({ name: 'lab-dpm-operator', namespace: ns });
    expect(lease.spec?.holderIdentity ?? '').toBe('');
  }, 120000);
});
