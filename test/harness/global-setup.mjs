// One real etcd + kube-apiserver for the whole jest run; workers find it through KUBECONFIG.
// Jest loads global setup outside its module system, so the TypeScript is loaded through tsx.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  if (process.env.DPM_TEST_NO_CONTROL_PLANE === '1') return; // developer shortcut for pure unit runs
  const { startControlPlane } = await tsImport('../../src/devenv/control-plane.ts', import.meta.url);
  const cp = await startControlPlane({ log: (l) => process.stderr.write(`[control-plane] ${l}\n`) });
  globalThis.__DPM_CONTROL_PLANE__ = cp;
  process.env.KUBECONFIG = cp.kubeconfigPath;
  process.env.DPM_TEST_CONTROL_PLANE_DIR = cp.dir;
}
