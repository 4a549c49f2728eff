// Least privilege, proven on the real API server: the rendered ServiceAccounts authenticate with
// TokenRequest tokens and ask SelfSubjectAccessReview (and make real requests); admin cross-checks with
// `kubectl auth can-i --as`. Everything the operator needs is allowed, everything else denied.
import * as k8s from '@kubernetes/client-node';
import { freshNamespace, kubeConfig } from '../harness/kube.js';
import { CR_RESOURCES } from './expected-rbac.js';
import { deployChart, kubectl, serviceAccountKubeConfig } from './helpers.js';
import { hmcValues } from './value-sets.js';

const kc = kubeConfig();

interface Access {
  verb: string;
  resource: string;
  group?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

const show = (a: Access) =>
  `${a.verb} ${a.group ? `${a.group}/` : ''}${a.resource}${a.subresource ? `/${a.subresource}` : ''}` +
  `${a.name ? ` ${a.name}` : ''} in ${a.namespace ?? '(cluster)'}`;

/** Asks the API server, as the identity of `user`, whether each access is allowed; returns the denied/allowed lists. */
async function review(
  user: k8s.KubeConfig,
  accesses: Access[],
): Promise<{ allowed: string[]; denied: string[] }> {
  const authz = user.makeApiClient(k8s.AuthorizationV1Api);
  const allowed: string[] = [];
  const denied: string[] = [];
  for (const a of accesses) {
    const r = await authz.createSelfSubjectAccessReview({
      body: {
        spec: {
          resourceAttributes: {
            verb: a.verb,
            group: a.group ?? '',
            resource: a.resource,
            subresource: a.subresource,
            namespace: a.namespace,
            name: a.name,
          },
        },
      },
    });
    (r.status?.allowed ? allowed : denied).push(show(a));
  }
  return { allowed, denied };
}

async function expectAllowed(user: k8s.KubeConfig, accesses: Access[]) {
  const r = await review(user, accesses);
  expect(r.denied).toEqual([]);
  expect(r.allowed).toHaveLength(accesses.length);
}

async function expectDenied(user: k8s.KubeConfig, accesses: Access[]) {
  const r = await review(user, accesses);
  expect(r.allowed).toEqual([]);
  expect(r.denied).toHaveLength(accesses.length);
}

const G = 'dpm.operator.dev';

/** Everything the operator's code does in namespace ns (brief: the operator's Kubernetes footprint). */
function operatorNeeds(ns: string): Access[] {
  const a: Access[] = [];
  for (const resource of CR_RESOURCES) {
    for (const verb of ['get', 'list', 'watch', 'update', 'patch'])
      a.push({ verb, group: G, resource, namespace: ns });
    for (const verb of ['get', 'update', 'patch'])
      a.push({ verb, group: G, resource, subresource: 'status', namespace: ns });
  }
  a.push({ verb: 'get', resource: 'secrets', namespace: ns, name: 'lab-dpm-operator-hmc' });
  for (const verb of ['create', 'patch']) {
    a.push({ verb, resource: 'events', namespace: ns });
    a.push({ verb, group: 'events.k8s.io', resource: 'events', namespace: ns });
  }
  return a;
}

/** The HMC session ledger Secret of a release: get and patch by name, at home only. */
function ledgerNeeds(ns: string, secret: string): Access[] {
  return ['get', 'patch'].map((verb) => ({ verb, resource: 'secrets', namespace: ns, name: secret }));
}

function leaseNeeds(ns: string, lease: string): Access[] {
  return [
    { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: ns },
    { verb: 'get', group: 'coordination.k8s.io', resource: 'leases', namespace: ns, name: lease },
    { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: ns, name: lease },
  ];
}

/** Requests the operator must never be able to make, wherever it runs. */
function neverOperator(ns: string): Access[] {
  return [
    { verb: 'delete', resource: 'secrets', namespace: ns },
    { verb: 'create', resource: 'secrets', namespace: ns },
    { verb: 'update', resource: 'secrets', namespace: ns },
    // Secrets are read by name: no list or watch (the operator used to cache every Secret).
    { verb: 'list', resource: 'secrets', namespace: ns },
    { verb: 'watch', resource: 'secrets', namespace: ns },
    { verb: 'patch', resource: 'secrets', namespace: ns, name: 'lab-dpm-operator-hmc' },
    { verb: 'create', resource: 'pods', namespace: ns },
    { verb: 'list', resource: 'pods', namespace: ns },
    { verb: 'get', resource: 'configmaps', namespace: ns },
    { verb: 'create', group: G, resource: 'partitions', namespace: ns },
    { verb: 'delete', group: G, resource: 'partitions', namespace: ns },
    { verb: 'deletecollection', group: G, resource: 'partitionnics', namespace: ns },
    { verb: 'delete', group: G, resource: 'cpcsubsets', namespace: ns },
    { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'roles', namespace: ns },
    { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: ns },
    { verb: 'delete', group: 'coordination.k8s.io', resource: 'leases', namespace: ns },
    { verb: 'list', group: 'coordination.k8s.io', resource: 'leases', namespace: ns },
    { verb: 'delete', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
    { verb: 'create', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
    { verb: 'update', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
    { verb: 'list', resource: 'namespaces' },
    { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
  ];
}

const code = async (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (e: { code?: number }) => e.code ?? 0,
  );

describe('operator RBAC, namespaced (default)', () => {
  let ns: string;
  let other: string;
  let sa: k8s.KubeConfig;
  beforeAll(async () => {
    ns = await freshNamespace(kc, 'rbac');
    other = await freshNamespace(kc, 'rbac-other');
    await deployChart(hmcValues, 'lab', ns);
    sa = await serviceAccountKubeConfig(kc, ns, 'lab-dpm-operator');
  });

  it('allows every request the operator makes in the release namespace', async () => {
    await expectAllowed(sa, [
      ...operatorNeeds(ns),
      ...leaseNeeds(ns, 'lab-dpm-operator'),
      ...ledgerNeeds(ns, 'lab-dpm-operator-hmc-sessions'),
    ]);
  });

  it('denies everything outside it, including all of another namespace', async () => {
    await expectDenied(sa, [
      ...neverOperator(ns),
      ...operatorNeeds(other),
      ...leaseNeeds(other, 'lab-dpm-operator'),
      ...ledgerNeeds(other, 'lab-dpm-operator-hmc-sessions'),
      {
        verb: 'get',
        group: 'coordination.k8s.io',
        resource: 'leases',
        namespace: ns,
        name: 'other-release-lease',
      },
      {
        verb: 'update',
        group: 'coordination.k8s.io',
        resource: 'leases',
        namespace: ns,
        name: 'other-release-lease',
      },
    ]);
  });

  it('real requests with the token: own namespace works, another namespace and other verbs are forbidden', async () => {
    const core = sa.makeApiClient(k8s.CoreV1Api);
    const custom = sa.makeApiClient(k8s.CustomObjectsApi);
    const coord = sa.makeApiClient(k8s.CoordinationV1Api);
    const list = (namespace: string, plural: string) =>
      custom.listNamespacedCustomObject({ group: G, version: 'v1alpha1', namespace, plural });
    const subsets = (await list(ns, 'cpcsubsets')) as { items: { metadata: { name: string } }[] };
    expect(subsets.items.map((i) => i.metadata.name).sort()).toEqual(['cpca-prod', 'cpcb-test']);
    expect(await code(core.readNamespacedSecret({ name: 'lab-dpm-operator-hmc', namespace: ns }))).toBe(200);
    expect(await code(core.listNamespacedSecret({ namespace: other }))).toBe(403);
    expect(await code(core.listNamespacedSecret({ namespace: ns }))).toBe(403);
    // The session ledger: read and patched by name, nothing else.
    const ledger = { name: 'lab-dpm-operator-hmc-sessions', namespace: ns };
    expect(await code(core.readNamespacedSecret(ledger))).toBe(200);
    const patch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    expect(await code(core.patchNamespacedSecret({ ...ledger, body: { data: { k: 'eA==' } } }, patch))).toBe(
      200,
    );
    expect(
      await code(
        core.patchNamespacedSecret(
          { name: 'lab-dpm-operator-hmc', namespace: ns, body: { data: { k: 'eA==' } } },
          patch,
        ),
      ),
    ).toBe(403);
    expect(await code(list(other, 'partitions'))).toBe(403);
    expect(await code(core.deleteNamespacedSecret({ name: 'lab-dpm-operator-hmc', namespace: ns }))).toBe(
      403,
    );
    expect(
      await code(
        custom.deleteNamespacedCustomObject({
          group: G,
          version: 'v1alpha1',
          namespace: ns,
          plural: 'cpcsubsets',
          name: 'cpca-prod',
        }),
      ),
    ).toBe(403);

    // Leader election: create, read and renew its own Lease; nothing else.
    const lease = {
      metadata: { name: 'lab-dpm-operator' },
      spec: { holderIdentity: 'pod-a', leaseDurationSeconds: 15 },
    };
    expect(await code(coord.createNamespacedLease({ namespace: ns, body: lease }))).toBe(200);
    const got = await coord.readNamespacedLease({ name: 'lab-dpm-operator', namespace: ns });
    got.spec!.holderIdentity = 'pod-b';
    expect(
      await code(coord.replaceNamespacedLease({ name: 'lab-dpm-operator', namespace: ns, body: got })),
    ).toBe(200);
    expect(await code(coord.readNamespacedLease({ name: 'lab-dpm-operator', namespace: other }))).toBe(403);
    expect(await code(coord.listNamespacedLease({ namespace: ns }))).toBe(403);
    expect(await code(coord.deleteNamespacedLease({ name: 'lab-dpm-operator', namespace: ns }))).toBe(403);
  });

  it('agrees with `kubectl auth can-i --as` (impersonation, as admin)', async () => {
    const as = `--as=system:serviceaccount:${ns}:lab-dpm-operator`;
    const canI = async (...args: string[]) => (await kubectl(['auth', 'can-i', as, ...args])).stdout.trim();
    expect(await canI('patch', 'partitions.dpm.operator.dev/status', '-n', ns)).toBe('yes');
    expect(await canI('get', 'secrets', '-n', ns)).toBe('yes');
    expect(await canI('watch', 'secrets', '-n', ns)).toBe('no');
    expect(await canI('patch', 'secrets/lab-dpm-operator-hmc-sessions', '-n', ns)).toBe('yes');
    expect(await canI('patch', 'secrets/lab-dpm-operator-hmc', '-n', ns)).toBe('no');
    expect(await canI('delete', 'secrets', '-n', ns)).toBe('no');
    expect(await canI('list', 'secrets', '-n', other)).toBe('no');
    expect(await canI('create', 'pods', '-n', ns)).toBe('no');
    expect(await canI('delete', 'customresourcedefinitions.apiextensions.k8s.io')).toBe('no');
  });
});

describe('operator RBAC, rbac.clusterWide', () => {
  let ns: string;
  let other: string;
  let sa: k8s.KubeConfig;
  beforeAll(async () => {
    ns = await freshNamespace(kc, 'rbac');
    other = await freshNamespace(kc, 'rbac-other');
    await deployChart({ ...hmcValues, rbac: { clusterWide: true } }, 'wide', ns);
    sa = await serviceAccountKubeConfig(kc, ns, 'wide-dpm-operator');
  });

  it('allows the custom resources, Secrets and Events in every namespace, the Lease only at home', async () => {
    await expectAllowed(sa, [
      ...operatorNeeds(ns),
      ...operatorNeeds(other),
      ...leaseNeeds(ns, 'wide-dpm-operator'),
      ...ledgerNeeds(ns, 'wide-dpm-operator-hmc-sessions'),
    ]);
    expect(
      await code(
        sa
          .makeApiClient(k8s.CustomObjectsApi)
          .listClusterCustomObject({ group: G, version: 'v1alpha1', plural: 'partitions' }),
      ),
    ).toBe(200);
  });

  it('still denies everything else, and Leases in other namespaces', async () => {
    await expectDenied(sa, [
      ...neverOperator(ns),
      ...neverOperator(other),
      ...leaseNeeds(other, 'wide-dpm-operator'),
      // (get of any Secret is cluster-wide here: the CpcSubsets' credentials may be anywhere)
      ...ledgerNeeds(other, 'wide-dpm-operator-hmc-sessions').filter((a) => a.verb === 'patch'),
    ]);
  });
});

describe('Nova bridge RBAC', () => {
  let ns: string;
  let other: string;
  let bridge: k8s.KubeConfig;
  beforeAll(async () => {
    ns = await freshNamespace(kc, 'rbac');
    other = await freshNamespace(kc, 'rbac-other');
    await deployChart(
      { ...hmcValues, novaBridge: { enabled: true, transportUrl: 'rabbit://x:y@z:5672/' } },
      'nb',
      ns,
    );
    bridge = await serviceAccountKubeConfig(kc, ns, 'nb-dpm-operator-nova-bridge');
  });

  it('creates and deletes Partitions, NICs, HBAs and StorageGroups and reads CpcSubsets in its namespace', async () => {
    const needs: Access[] = [];
    for (const resource of ['partitions', 'partitionnics', 'partitionhbas', 'storagegroups'])
      for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'])
        needs.push({ verb, group: G, resource, namespace: ns });
    for (const verb of ['get', 'list', 'watch'])
      needs.push({ verb, group: G, resource: 'cpcsubsets', namespace: ns });
    await expectAllowed(bridge, needs);
  });

  it('reads only the HMC credentials Secret, by name (console output)', async () => {
    await expectAllowed(bridge, [
      { verb: 'get', resource: 'secrets', name: 'nb-dpm-operator-hmc', namespace: ns },
    ]);
  });

  it('cannot read other Secrets, change CpcSubsets or status, or act in another namespace', async () => {
    await expectDenied(bridge, [
      { verb: 'get', resource: 'secrets', namespace: ns },
      { verb: 'get', resource: 'secrets', name: 'nb-dpm-operator-nova-transport', namespace: ns },
      { verb: 'list', resource: 'secrets', namespace: ns },
      { verb: 'update', group: G, resource: 'cpcsubsets', namespace: ns },
      { verb: 'delete', group: G, resource: 'cpcsubsets', namespace: ns },
      { verb: 'patch', group: G, resource: 'partitions', subresource: 'status', namespace: ns },
      { verb: 'create', group: G, resource: 'partitions', namespace: other },
      { verb: 'create', resource: 'pods', namespace: ns },
    ]);
  });

  it('holds the Lease of each host it serves: create, get and update by name; nothing else on Leases', async () => {
    const lease = 'nova-bridge-cpca-prod';
    await expectAllowed(bridge, [
      { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: ns },
      ...['get', 'update'].flatMap((verb) =>
        ['nova-bridge-cpca-prod', 'nova-bridge-cpcb-test'].map((name) => ({
          verb,
          group: 'coordination.k8s.io',
          resource: 'leases',
          namespace: ns,
          name,
        })),
      ),
    ]);
    await expectDenied(bridge, [
      {
        verb: 'get',
        group: 'coordination.k8s.io',
        resource: 'leases',
        namespace: ns,
        name: 'nb-dpm-operator',
      },
      { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: ns, name: 'other' },
      { verb: 'delete', group: 'coordination.k8s.io', resource: 'leases', namespace: ns, name: lease },
      { verb: 'patch', group: 'coordination.k8s.io', resource: 'leases', namespace: ns, name: lease },
      { verb: 'list', group: 'coordination.k8s.io', resource: 'leases', namespace: ns },
      { verb: 'watch', group: 'coordination.k8s.io', resource: 'leases', namespace: ns },
      { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: other },
      { verb: 'get', group: 'coordination.k8s.io', resource: 'leases', namespace: other, name: lease },
    ]);
    // A real hand-over with the bridge's token: create, read, renew.
    const coord = bridge.makeApiClient(k8s.CoordinationV1Api);
    await coord.createNamespacedLease({
      namespace: ns,
      body: { metadata: { name: lease }, spec: { holderIdentity: 'nb-0', leaseDurationSeconds: 15 } },
    });
    const got = await coord.readNamespacedLease({ name: lease, namespace: ns });
    got.spec!.holderIdentity = 'nb-1';
    expect(await code(coord.replaceNamespacedLease({ name: lease, namespace: ns, body: got }))).toBe(200);
    expect(await code(coord.deleteNamespacedLease({ name: lease, namespace: ns }))).toBe(403);
  });

  it('a real create and delete of a Partition with the bridge token', async () => {
    const custom = bridge.makeApiClient(k8s.CustomObjectsApi);
    const target = { group: G, version: 'v1alpha1', namespace: ns, plural: 'partitions' };
    await custom.createNamespacedCustomObject({
      ...target,
      body: {
        apiVersion: `${G}/v1alpha1`,
        kind: 'Partition',
        metadata: { name: 'nova-instance-1' },
        spec: {
          cpcSubsetRef: { name: 'cpca-prod' },
          processors: { ifls: 1 },
          memory: { initialMiB: 1024, maximumMiB: 1024 },
        },
      },
    });
    expect(await code(custom.deleteNamespacedCustomObject({ ...target, name: 'nova-instance-1' }))).toBe(200);
    expect(await code(custom.createNamespacedCustomObject({ ...target, namespace: other, body: {} }))).toBe(
      403,
    );
  });
});
