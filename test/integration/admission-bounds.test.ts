// Bounds the HMC would refuse are refused at admission by the CRD schema, naming the field: nothing is
// stored, so nothing reaches the operator or the HMC.
import * as k8s from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, MIN_MEMORY_MIB } from '../../src/crds/index.js';
import { installCrds } from '../harness/operator.js';
import { freshNamespace, kubeConfig } from '../harness/kube.js';

describe('partition bounds at admission', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  let ns: string;
  beforeAll(async () => {
    await installCrds(kc);
    ns = await freshNamespace(kc, 'bounds');
  });

  const create = (name: string, memory: object, processors: object = { ifls: 1 }): Promise<unknown> =>
    api.createNamespacedCustomObject({
      group: API_GROUP,
      version: API_VERSION,
      namespace: ns,
      plural: 'partitions',
      body: {
        apiVersion: `${API_GROUP}/${API_VERSION}`,
        kind: 'Partition',
        metadata: { name },
        spec: { cpcSubsetRef: { name: 'demo' }, processors, memory },
      },
    });
  const refusal = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
    } catch (e) {
      if (e instanceof k8s.ApiException) return (JSON.parse(String(e.body)) as { message: string }).message;
      throw e;
    }
    throw new Error('accepted');
  };

  it(`refuses less memory than a partition starts with (${MIN_MEMORY_MIB} MiB), naming the field`, async () => {
    const body = await refusal(create('tiny', { initialMiB: 256, maximumMiB: 256 }));
    expect(body).toContain('spec.memory.initialMiB');
    expect(body).toContain(String(MIN_MEMORY_MIB));
  });

  it('refuses a maximum below the initial memory and processors beyond the bound', async () => {
    expect(await refusal(create('inverted', { initialMiB: 4096, maximumMiB: 2048 }))).toContain(
      'spec.memory.maximumMiB must be >= spec.memory.initialMiB',
    );
    expect(
      await refusal(create('too-many', { initialMiB: 1024, maximumMiB: 1024 }, { ifls: 1000 })),
    ).toContain('spec.processors.ifls');
  });

  it('accepts the smallest valid partition', async () => {
    await expect(
      create('smallest', { initialMiB: MIN_MEMORY_MIB, maximumMiB: MIN_MEMORY_MIB }),
    ).resolves.toBeDefined();
  });
});
