// Creates many objects with a bounded number of requests in flight (the API server's, not the HMC's, load).
import * as k8s from '@kubernetes/client-node';

export async function createAll(
  kc: k8s.KubeConfig,
  objs: readonly k8s.KubernetesObject[],
  namespace: string,
  inFlight = 16,
): Promise<void> {
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < objs.length) {
      const obj = objs[next++]!;
      await client.create({ ...obj, metadata: { ...obj.metadata, namespace } });
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, objs.length) }, worker));
}
