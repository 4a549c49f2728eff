// Installs the operator's CRDs from their TypeScript source (src/crds). Applying deploy/crds through
// client-node's generic object API would silently drop `default`, `enum` and `x-kubernetes-validations`
// (its serializer only knows its own property names), so the typed objects from allCrds() are used.
import { createHash } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { allCrds } from '../crds/index.js';

/** Marks the source a CRD was installed from: an unchanged CRD is left alone (a replace re-initializes its storage). */
const HASH_ANNOTATION = 'dpm.operator.dev/crd-source-hash';

/** Creates or replaces every CRD, then waits until each is Established. */
export async function installCrds(kc: k8s.KubeConfig, timeoutMs = 30_000): Promise<string[]> {
  const api = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const names: string[] = [];
  for (const source of allCrds()) {
    const hash = createHash('sha256').update(JSON.stringify(source.spec)).digest('hex').slice(0, 16);
    const crd = {
      ...source,
      metadata: {
        ...source.metadata,
        annotations: { ...source.metadata?.annotations, [HASH_ANNOTATION]: hash },
      },
    };
    const name = crd.metadata?.name ?? '';
    for (let attempt = 0; ; attempt++) {
      try {
        await api.createCustomResourceDefinition({ body: crd });
        break;
      } catch (e) {
        if (!(e instanceof k8s.ApiException) || e.code !== 409 || attempt > 5) throw e;
        try {
          const cur = await api.readCustomResourceDefinition({ name });
          if (cur.metadata?.annotations?.[HASH_ANNOTATION] === hash) break;
          await api.replaceCustomResourceDefinition({
            name,
            body: { ...crd, metadata: { ...crd.metadata, resourceVersion: cur.metadata?.resourceVersion } },
          });
          break;
        } catch (e2) {
          if (!(e2 instanceof k8s.ApiException) || e2.code !== 409) throw e2; // raced: try again
        }
      }
    }
    names.push(name);
  }
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await api.readCustomResourceDefinition({ name });
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return names;
}
