// Follows the benchmark's Partitions with one watch (client-node's informer) and counts those whose status says
// hmcStatus active. A watch costs the API server one event per change, shared with the operator's own watch;
// listing all N Partitions every 2 s (what the benchmark did before) re-encoded N objects per look and loaded
// the API server it measures.
import * as k8s from '@kubernetes/client-node';
import type { Partition } from '../src/crds/index.js';

export interface ActiveWatch {
  /** Partitions Active now. */
  active(): number;
  /** Date.now() when the first Partition was seen Active (undefined: none yet). */
  firstActiveAt(): number | undefined;
  stop(): Promise<void>;
}

export async function watchActive(kc: k8s.KubeConfig, namespace: string): Promise<ActiveWatch> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const informer = k8s.makeInformer<Partition>(
    kc,
    `/apis/dpm.operator.dev/v1alpha1/namespaces/${namespace}/partitions`,
    () =>
      custom.listNamespacedCustomObject({
        group: 'dpm.operator.dev',
        version: 'v1alpha1',
        namespace,
        plural: 'partitions',
      }) as never,
  );
  const activeNames = new Set<string>();
  let first: number | undefined;
  const see = (p: Partition): void => {
    const name = p.metadata.name ?? '';
    if (p.status?.hmcStatus === 'active') {
      activeNames.add(name);
      first ??= Date.now();
    } else activeNames.delete(name);
  };
  informer.on('add', see);
  informer.on('update', see);
  informer.on('delete', (p) => activeNames.delete(p.metadata.name ?? ''));
  // A watch that ends (server timeout, error) is started again; the informer relists and resumes.
  let stopped = false;
  informer.on('error', () => {
    if (!stopped) setTimeout(() => void informer.start().catch(() => undefined), 500);
  });
  await informer.start();
  return {
    active: () => activeNames.size,
    firstActiveAt: () => first,
    async stop() {
      stopped = true;
      await informer.stop();
    },
  };
}
