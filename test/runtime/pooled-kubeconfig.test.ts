import * as k8s from '@kubernetes/client-node';
import { PooledKubeConfig } from '../../src/runtime/pooled-kubeconfig.js';
import { freshNamespace, kubeConfig } from '../harness/kube.js';
import { TcpProxy } from './helpers/tcp-proxy.js';

const kc = kubeConfig();
let namespace: string;
let proxy: TcpProxy;

beforeAll(async () => {
  namespace = await freshNamespace(kc, 'pool');
  const url = new URL(kc.getCurrentCluster()?.server ?? '');
  proxy = await TcpProxy.start(url.hostname, Number(url.port));
});

afterAll(async () => {
  await proxy.close();
});

/** Connections the API server accepted for `n` sequential and `n` concurrent requests of one client. */
async function connectionsFor(config: k8s.KubeConfig, n: number): Promise<number> {
  const core = config.makeApiClient(k8s.CoreV1Api);
  const before = proxy.accepted();
  for (let i = 0; i < n; i++) await core.listNamespacedConfigMap({ namespace });
  await Promise.all(Array.from({ length: n }, () => core.listNamespacedConfigMap({ namespace })));
  return proxy.accepted() - before;
}

describe('PooledKubeConfig against the real apiserver', () => {
  test("client-node's own KubeConfig opens a connection per request (why the pool exists)", async () => {
    expect(await connectionsFor(proxy.kubeConfig(kc), 5)).toBe(10);
  });

  test('API clients of a pooled KubeConfig reuse keep-alive connections', async () => {
    const pooled = PooledKubeConfig.from(proxy.kubeConfig(kc));
    // 5 one after the other on one connection, then 5 at once: at most 5 in all.
    const opened = await connectionsFor(pooled, 5);
    expect(opened).toBeGreaterThanOrEqual(1);
    expect(opened).toBeLessThanOrEqual(5);
    // Clients made later from the same KubeConfig share the pool.
    expect(await connectionsFor(pooled, 5)).toBe(0);
  });

  test('from() keeps the clusters, users and current context, and does not wrap twice', () => {
    const pooled = PooledKubeConfig.from(kc);
    expect(pooled.getCurrentCluster()).toEqual(kc.getCurrentCluster());
    expect(pooled.getCurrentUser()).toEqual(kc.getCurrentUser());
    expect(pooled.getCurrentContext()).toBe(kc.getCurrentContext());
    expect(PooledKubeConfig.from(pooled)).toBe(pooled);
  });
});
