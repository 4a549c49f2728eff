// One real etcd + kube-apiserver for the whole jest run; workers find it through KUBECONFIG.
import { startControlPlane, type ControlPlane } from '../../src/devenv/control-plane.js';

declare global {
  var __DPM_CONTROL_PLANE__: ControlPlane | undefined;
}

export default async function globalSetup(): Promise<void> {
  const cp = await startControlPlane({ log: (l) => process.stderr.write(`[control-plane] ${l}\n`) });
  globalThis.__DPM_CONTROL_PLANE__ = cp;
  process.env.KUBECONFIG = cp.kubeconfigPath;
  process.env.DPM_TEST_CONTROL_PLANE_DIR = cp.dir;
}
