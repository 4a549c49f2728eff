// Access to the run's real kube-apiserver (started by global-setup) from test files.
import * as k8s from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';

export function kubeConfig(): k8s.KubeConfig {
  const path = process.env.KUBECONFIG;
  if (!path) throw new Error('KUBECONFIG not set: tests must run through jest with the global setup');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** Creates a uniquely named namespace so test files never see each other's objects. */
export async function freshNamespace(kc: k8s.KubeConfig, prefix = 't'): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}
