// The real local kube-apiserver: a CRD and a custom resource round-trip, plus RBAC enforcement.
import * as k8s from '@kubernetes/client-node';
import { freshNamespace, kubeConfig } from '../harness/kube.js';

const group = 'foundation.test.dpm.ibm.com';

describe('local control plane', () => {
  const kc = kubeConfig();
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);

  it('serves a CRD and a custom resource that read back as written', async () => {
    const ns = await freshNamespace(kc);
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: `widgets.${group}` },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      properties: { size: { type: 'integer', minimum: 1 } },
                      required: ['size'],
                    },
                  },
                },
              },
            },
          ],
        },
      },
    });
    // Established is set asynchronously by the apiserver's CRD controller.
    for (let i = 0; i < 100; i++) {
      const crd = await ext.readCustomResourceDefinition({ name: `widgets.${group}` });
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const created = (await custom.createNamespacedCustomObject({
      group,
      version: 'v1',
      namespace: ns,
      plural: 'widgets',
      body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } },
    })) as { metadata: { uid: string } };
    const read = (await custom.getNamespacedCustomObject({
      group,
      version: 'v1',
      namespace: ns,
      plural: 'widgets',
      name: 'w1',
    })) as { metadata: { uid: string }; spec: { size: number } };
    expect(read.spec.size).toBe(3);
    expect(read.metadata.uid).toBe(created.metadata.uid);

    // The schema is enforced by the real server.
    await expect(
      custom.createNamespacedCustomObject({
        group,
        version: 'v1',
        namespace: ns,
        plural: 'widgets',
        body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w2' }, spec: { size: 0 } },
      }),
    ).rejects.toMatchObject({ code: 422 });
  });

  it('enforces RBAC: a ServiceAccount token without bindings is forbidden', async () => {
    const ns = await freshNamespace(kc);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'nobody' } } });
    const tr = await core.createNamespacedServiceAccountToken({
      name: 'nobody',
      namespace: ns,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const sa = new k8s.KubeConfig();
    const cluster = kc.getCurrentCluster()!;
    sa.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'nobody', token: tr.status!.token }],
      contexts: [{ name: 'c', cluster: cluster.name, user: 'nobody' }],
      currentContext: 'c',
    });
    await expect(
      sa.makeApiClient(k8s.CoreV1Api).listNamespacedSecret({ namespace: ns }),
    ).rejects.toMatchObject({
      code: 403,
    });
  });
});
