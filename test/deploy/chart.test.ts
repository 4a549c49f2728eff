// The Helm chart, rendered offline: lint, structure of every value set, names of two releases side by
// side, and values the schema must reject with a message naming the value.
import yaml from 'js-yaml';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPERATOR_RULES, novaBridgeRules, leaderElectionRules, sessionLedgerRules } from './expected-rbac.js';
import {
  type KubeObject,
  chartDir,
  findOne,
  helm,
  helmTemplate,
  renderChart,
  repoRoot,
  run,
} from './helpers.js';
import { hmcValues, valueSets } from './value-sets.js';

const NS = 'dpm-system';

interface Container {
  name: string;
  args: string[];
  env?: { name: string; value?: string; valueFrom?: Record<string, Record<string, string>> }[];
  securityContext: Record<string, unknown>;
  livenessProbe?: { httpGet: { path: string; port: string } };
  readinessProbe?: { httpGet: { path: string; port: string } };
  ports?: { name: string; containerPort: number }[];
  resources?: { requests?: object; limits?: object };
}
interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken: boolean;
  securityContext: Record<string, unknown>;
  containers: Container[];
  topologySpreadConstraints?: { topologyKey: string }[];
  affinity?: { podAntiAffinity?: object };
}
interface Workload extends KubeObject {
  spec: {
    replicas: number;
    serviceName?: string;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}
interface Rbac extends KubeObject {
  rules: object[];
  roleRef: { kind: string; name: string };
  subjects: { kind: string; name: string; namespace: string }[];
}

const container = (w: KubeObject) => (w as Workload).spec.template.spec.containers[0]!;
const kinds = (objects: KubeObject[]) => objects.map((o) => o.kind).sort();

async function withValuesFile<T>(values: object, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'dpm-lint-'));
  try {
    const file = join(dir, 'values.yaml');
    await writeFile(file, yaml.dump(values));
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('helm lint --strict', () => {
  it.each(Object.keys(valueSets))('passes with the %s values', async (set) => {
    const r = await withValuesFile(valueSets[set]!, (f) => helm(['lint', '--strict', chartDir, '-f', f]));
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.code).toBe(0);
  });

  it('fails on values the schema rejects', async () => {
    const r = await withValuesFile({ replicaCount: 0 }, (f) => helm(['lint', '--strict', chartDir, '-f', f]));
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('/replicaCount');
  });
});

describe('chart CRDs', () => {
  it('are an exact copy of deploy/crds (tools/sync-chart-crds.sh --check)', async () => {
    const r = await run('bash', [join(repoRoot, 'tools', 'sync-chart-crds.sh'), '--check']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('--check detects drift and a sync repairs it', async () => {
    const top = await mkdtemp(join(tmpdir(), 'dpm-sync-'));
    try {
      await cp(join(repoRoot, 'tools', 'sync-chart-crds.sh'), join(top, 'tools', 'sync-chart-crds.sh'));
      await cp(join(repoRoot, 'deploy', 'crds'), join(top, 'deploy', 'crds'), { recursive: true });
      await cp(join(chartDir, 'crds'), join(top, 'deploy', 'helm', 'dpm-operator', 'crds'), {
        recursive: true,
      });
      const script = join(top, 'tools', 'sync-chart-crds.sh');
      const copy = join(top, 'deploy', 'helm', 'dpm-operator', 'crds', 'partitions.dpm.operator.dev.yaml');
      await writeFile(copy, (await readFile(copy, 'utf8')).replace('maxLength', 'maxLength '));
      await writeFile(join(top, 'deploy', 'helm', 'dpm-operator', 'crds', 'stale.yaml'), 'kind: Stale\n');
      const drift = await run('bash', [script, '--check']);
      expect(drift.code).toBe(1);
      expect(drift.stderr).toContain('differs from deploy/crds: crds/partitions.dpm.operator.dev.yaml');
      expect(drift.stderr).toContain('not in deploy/crds: crds/stale.yaml');
      expect((await run('bash', [script])).code).toBe(0);
      const again = await run('bash', [script, '--check']);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
    } finally {
      await rm(top, { recursive: true, force: true });
    }
  });
});

describe('default values', () => {
  let objects: KubeObject[];
  beforeAll(async () => {
    objects = await renderChart({}, 'r1', NS);
  });

  it('render the operator, its ServiceAccount, namespaced RBAC, metrics Service, PDB and NetworkPolicy only', () => {
    expect(kinds(objects)).toEqual([
      'Deployment',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Role',
      'Role',
      'Role',
      'RoleBinding',
      'RoleBinding',
      'RoleBinding',
      'Secret',
      'Service',
      'ServiceAccount',
    ]);
  });

  it('run 2 replicas with leader election on a per-release Lease in the release namespace', () => {
    const d = findOne(objects, 'Deployment', 'r1-dpm-operator') as Workload;
    expect(d.spec.replicas).toBe(2);
    expect(container(d).args).toEqual([
      'run',
      `--namespaces=${NS}`,
      '--concurrency=30',
      '--metrics-port=8080',
      '--log-level=info',
      '--session-secret=r1-dpm-operator-hmc-sessions',
      '--shutdown-timeout=25',
      '--cpc-subset-selector=app.kubernetes.io/instance=r1',
      '--leader-elect',
      `--leader-election-namespace=${NS}`,
      '--lease-name=r1-dpm-operator',
    ]);
    const env = container(d).env!;
    expect(env.find((e) => e.name === 'POD_NAMESPACE')?.valueFrom).toEqual({
      fieldRef: { fieldPath: 'metadata.namespace' },
    });
    expect(env.find((e) => e.name === 'POD_NAME')?.valueFrom).toEqual({
      fieldRef: { fieldPath: 'metadata.name' },
    });
  });

  it('harden the pod and probe /healthz and /readyz on the metrics port', () => {
    const d = findOne(objects, 'Deployment') as Workload;
    const pod = d.spec.template.spec;
    const c = container(d);
    expect(pod.serviceAccountName).toBe('r1-dpm-operator');
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(c.resources?.requests).toBeDefined();
    expect(c.resources?.limits).toBeDefined();
    expect(pod.topologySpreadConstraints?.map((t) => t.topologyKey)).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ]);
    expect(pod.affinity?.podAntiAffinity).toBeDefined();
  });

  it('grant the operator exactly its footprint, in the release namespace', () => {
    const role = findOne(objects, 'Role', 'r1-dpm-operator') as Rbac;
    expect(role.metadata.namespace).toBe(NS);
    expect(role.rules).toEqual(OPERATOR_RULES);
    const le = findOne(objects, 'Role', 'r1-dpm-operator-leader-election') as Rbac;
    expect(le.rules).toEqual(leaderElectionRules('r1-dpm-operator'));
    const ledger = findOne(objects, 'Role', 'r1-dpm-operator-hmc-sessions') as Rbac;
    expect(ledger.rules).toEqual(sessionLedgerRules('r1-dpm-operator-hmc-sessions'));
    expect(findOne(objects, 'Secret', 'r1-dpm-operator-hmc-sessions')).toBeDefined();
    for (const name of [
      'r1-dpm-operator',
      'r1-dpm-operator-leader-election',
      'r1-dpm-operator-hmc-sessions',
    ]) {
      const rb = findOne(objects, 'RoleBinding', name) as Rbac;
      expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name });
      expect(rb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'r1-dpm-operator', namespace: NS }]);
    }
  });

  it('label every object with the standard labels and prefix its name with the full name', () => {
    for (const o of objects) {
      expect(o.metadata.name.startsWith('r1-dpm-operator')).toBe(true);
      expect(o.metadata.namespace).toBe(NS);
      expect(o.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'dpm-operator',
        'app.kubernetes.io/instance': 'r1',
        'app.kubernetes.io/managed-by': 'Helm',
        'app.kubernetes.io/version': '0.1.0',
        'helm.sh/chart': 'dpm-operator-0.1.0',
      });
      expect(o.metadata.labels?.['app.kubernetes.io/component']).toBeTruthy();
    }
  });

  it('restrict the network: ingress to the metrics port, egress to DNS, API server and HMC ports', () => {
    const np = findOne(objects, 'NetworkPolicy') as KubeObject & {
      spec: { policyTypes: string[]; ingress: object[]; egress: { to?: object[]; ports: object[] }[] };
    };
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 8080 }] }]);
    expect(np.spec.egress.map((e) => e.ports)).toEqual([
      [
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ],
      [
        { protocol: 'TCP', port: 443 },
        { protocol: 'TCP', port: 6443 },
      ],
      [
        { protocol: 'TCP', port: 6794 },
        { protocol: 'TCP', port: 61612 },
      ],
    ]);
    // No HMC configured: the HMC ports are not limited to addresses.
    expect(np.spec.egress[2]!.to).toBeUndefined();
  });
});

describe('value sets', () => {
  it('hmc: a credentials Secret and CpcSubsets pointing at it, kept on uninstall', async () => {
    const objects = await renderChart(hmcValues, 'lab', NS);
    const secret = findOne(objects, 'Secret', 'lab-dpm-operator-hmc') as KubeObject & {
      stringData: Record<string, string>;
    };
    expect(Object.keys(secret.stringData).sort()).toEqual(['ca.crt', 'password', 'userid']);
    expect(secret.stringData.userid).toBe('ensadmin');
    expect(secret.stringData['ca.crt']).toContain('BEGIN CERTIFICATE');
    expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    const a = findOne(objects, 'CpcSubset', 'cpca-prod') as KubeObject & { spec: object };
    expect(a.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    expect(a.spec).toEqual({
      hmc: {
        host: '192.0.2.10',
        alternateHost: '192.0.2.11',
        port: 6794,
        credentialsSecretRef: {
          name: 'lab-dpm-operator-hmc',
          useridKey: 'userid',
          passwordKey: 'password',
          caBundleKey: 'ca.crt',
        },
        insecureSkipTLSVerify: false,
      },
      cpc: { name: 'CPCA' },
      limits: { maxPartitions: 10, maxProcessors: 8, maxMemoryMiB: 65536 },
      storageAdapterPorts: hmcValues.cpcSubsets[0]!.storageAdapterPorts,
      targetWwpnIgnoreList: ['500507680b2145f0'],
    });
    const b = findOne(objects, 'CpcSubset', 'cpcb-test') as KubeObject & { spec: Record<string, unknown> };
    expect(b.spec.cpc).toEqual({ objectId: '37c6f8a9-8d5e-3e5d-8466-be79e49dd340' });
    expect(b.spec.storageAdapterPorts).toBeUndefined();
    const np = findOne(objects, 'NetworkPolicy') as KubeObject & { spec: { egress: { to?: object[] }[] } };
    expect(np.spec.egress[2]!.to).toEqual([
      { ipBlock: { cidr: '192.0.2.10/32' } },
      { ipBlock: { cidr: '192.0.2.11/32' } },
    ]);
  });

  it('clusterWide: ClusterRole + ClusterRoleBinding, all namespaces watched, Lease rights stay namespaced', async () => {
    const objects = await renderChart(valueSets.clusterWide!, 'lab', NS);
    const cr = findOne(objects, 'ClusterRole') as Rbac;
    expect(cr.metadata.name).toBe(`${NS}-lab-dpm-operator`);
    expect(cr.metadata.namespace).toBeUndefined();
    expect(cr.rules).toEqual(OPERATOR_RULES);
    const crb = findOne(objects, 'ClusterRoleBinding') as Rbac;
    expect(crb.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: cr.metadata.name,
    });
    expect(crb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'lab-dpm-operator', namespace: NS }]);
    const roles = objects.filter((o) => o.kind === 'Role') as Rbac[];
    expect(roles.map((r) => r.metadata.name)).toEqual([
      'lab-dpm-operator-hmc-sessions',
      'lab-dpm-operator-leader-election',
    ]);
    expect(roles[0]!.rules).toEqual(sessionLedgerRules('lab-dpm-operator-hmc-sessions'));
    expect(roles[1]!.rules).toEqual(leaderElectionRules('lab-dpm-operator'));
    const args = container(findOne(objects, 'Deployment')).args;
    expect(args.some((a) => a.startsWith('--namespaces'))).toBe(false);
    expect(args).toContain(`--leader-election-namespace=${NS}`);
  });

  it('novaBridge: one StatefulSet per CpcSubset (1 replica by default), headless Service, own RBAC and Secret', async () => {
    const objects = await renderChart(valueSets.novaBridge!, 'lab', NS);
    const sets = objects.filter((o) => o.kind === 'StatefulSet') as Workload[];
    expect(sets.map((s) => s.metadata.name)).toEqual([
      'lab-dpm-operator-nova-bridge-cpca-prod',
      'lab-dpm-operator-nova-bridge-cpcb-test',
    ]);
    const svc = findOne(objects, 'Service', 'lab-dpm-operator-nova-bridge') as KubeObject & {
      spec: { clusterIP: string; selector: Record<string, string> };
    };
    expect(svc.spec.clusterIP).toBe('None');
    for (const [i, host] of ['cpca-prod', 'cpcb-test'].entries()) {
      const s = sets[i]!;
      expect(s.spec.replicas).toBe(1);
      expect(s.spec.serviceName).toBe('lab-dpm-operator-nova-bridge');
      expect(s.spec.template.metadata.labels).toMatchObject(s.spec.selector.matchLabels);
      expect(s.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
      const c = container(s);
      expect(c.args).toEqual(['nova-bridge', `--host=${host}`]);
      expect(c.env?.find((e) => e.name === 'TRANSPORT_URL')?.valueFrom).toEqual({
        secretKeyRef: { name: 'lab-dpm-operator-nova-transport', key: 'transport_url' },
      });
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(s.spec.template.spec.serviceAccountName).toBe('lab-dpm-operator-nova-bridge');
    }
    // The two StatefulSets select disjoint pods.
    expect(sets[0]!.spec.selector.matchLabels).not.toEqual(sets[1]!.spec.selector.matchLabels);
    const secret = findOne(objects, 'Secret', 'lab-dpm-operator-nova-transport') as KubeObject & {
      stringData: Record<string, string>;
    };
    expect(secret.stringData).toEqual({ transport_url: 'rabbit://nova:pw@rabbit.openstack:5672/' });
    expect((findOne(objects, 'Role', 'lab-dpm-operator-nova-bridge') as Rbac).rules).toEqual(
      novaBridgeRules('lab-dpm-operator-hmc', ['cpca-prod', 'cpcb-test']),
    );
    expect((findOne(objects, 'RoleBinding', 'lab-dpm-operator-nova-bridge') as Rbac).subjects).toEqual([
      { kind: 'ServiceAccount', name: 'lab-dpm-operator-nova-bridge', namespace: NS },
    ]);
    findOne(objects, 'ServiceAccount', 'lab-dpm-operator-nova-bridge');
  });

  it('novaBridge.replicas 2: two pods per host started together (the host Lease picks the one serving)', async () => {
    const objects = await renderChart(
      {
        ...hmcValues,
        novaBridge: { enabled: true, transportUrl: 'rabbit://nova:pw@rabbit:5672/', replicas: 2 },
      },
      'lab',
      NS,
    );
    const sets = objects.filter((o) => o.kind === 'StatefulSet') as (Workload & {
      spec: { podManagementPolicy?: string };
    })[];
    expect(sets).toHaveLength(2);
    for (const s of sets) {
      expect(s.spec.replicas).toBe(2);
      expect(s.spec.podManagementPolicy).toBe('Parallel');
    }
  });

  it('existingSecret: no Secrets rendered; the CpcSubsets and the bridge use the given ones', async () => {
    const objects = await renderChart(valueSets.existingSecret!, 'lab', NS);
    // Only the operator's own session ledger; no credentials Secret.
    expect(objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name)).toEqual([
      'lab-dpm-operator-hmc-sessions',
    ]);
    const sub = findOne(objects, 'CpcSubset', 'lab') as KubeObject & {
      spec: { hmc: { credentialsSecretRef: { name: string } } };
    };
    expect(sub.spec.hmc.credentialsSecretRef.name).toBe('my-hmc-credentials');
    const env = container(findOne(objects, 'StatefulSet')).env!;
    expect(env.find((e) => e.name === 'TRANSPORT_URL')?.valueFrom).toEqual({
      secretKeyRef: { name: 'nova-transport', key: 'url' },
    });
  });

  it('serviceMonitor: rendered only when enabled, selecting the metrics Service', async () => {
    expect((await renderChart({}, 'lab', NS)).some((o) => o.kind === 'ServiceMonitor')).toBe(false);
    const objects = await renderChart(valueSets.serviceMonitor!, 'lab', NS);
    const sm = findOne(objects, 'ServiceMonitor', 'lab-dpm-operator') as KubeObject & {
      spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] };
    };
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm.metadata.labels?.release).toBe('prometheus');
    const svc = findOne(objects, 'Service', 'lab-dpm-operator-metrics') as KubeObject & {
      metadata: { labels: Record<string, string> };
      spec: { ports: { name: string }[] };
    };
    expect(svc.metadata.labels).toMatchObject(sm.spec.selector.matchLabels);
    expect(sm.spec.endpoints.map((e) => e.port)).toEqual(svc.spec.ports.map((p) => p.name));
  });

  it('singleReplica: no PodDisruptionBudget (it would block every drain) and no NetworkPolicy when disabled', async () => {
    const objects = await renderChart(valueSets.singleReplica!, 'lab', NS);
    expect((findOne(objects, 'Deployment') as Workload).spec.replicas).toBe(1);
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
    expect(objects.some((o) => o.kind === 'NetworkPolicy')).toBe(false);
  });

  it('hmc.notificationPort other than 61612 reaches the operator (--stomp-port) and the NetworkPolicy', async () => {
    const objects = await renderChart(
      { ...hmcValues, hmc: { ...hmcValues.hmc, notificationPort: 61613 } },
      'lab',
      NS,
    );
    expect(container(findOne(objects, 'Deployment')).args).toContain('--stomp-port=61613');
    const np = findOne(objects, 'NetworkPolicy') as KubeObject & { spec: { egress: { ports: object[] }[] } };
    expect(np.spec.egress[2]!.ports).toContainEqual({ protocol: 'TCP', port: 61613 });
    const std = await renderChart(hmcValues, 'lab', NS);
    expect(container(findOne(std, 'Deployment')).args.some((a) => a.startsWith('--stomp-port'))).toBe(false);
  });

  it('networkPolicy: a DNS name for the HMC needs explicit hmcCIDRs, which are then used', async () => {
    const named = { ...hmcValues, hmc: { ...hmcValues.hmc, host: 'hmc1.example.com', alternateHost: '' } };
    const r = await helmTemplate(named, 'lab', NS);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('networkPolicy.hmcCIDRs must list');
    expect(r.stderr).toContain('"hmc1.example.com"');
    const objects = await renderChart(
      { ...named, networkPolicy: { hmcCIDRs: ['198.51.100.0/28'] } },
      'lab',
      NS,
    );
    const np = findOne(objects, 'NetworkPolicy') as KubeObject & { spec: { egress: { to?: object[] }[] } };
    expect(np.spec.egress[2]!.to).toEqual([{ ipBlock: { cidr: '198.51.100.0/28' } }]);
  });
});

describe('two releases (two HMCs) in one namespace', () => {
  const second = {
    hmc: { host: '192.0.2.50', userid: 'u2', password: 'p2' },
    cpcSubsets: [
      {
        name: 'cpcz-dev',
        cpc: { name: 'CPCZ' },
        limits: { maxPartitions: 3, maxProcessors: 2, maxMemoryMiB: 4096 },
      },
    ],
    novaBridge: { enabled: true, transportUrl: 'rabbit://b' },
  };

  it('never share a kind/name pair, a Lease or a selector', async () => {
    const a = await renderChart(valueSets.novaBridge!, 'hmc-a', NS);
    const b = await renderChart(second, 'hmc-b', NS);
    const keys = [...a, ...b].map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    const lease = (objs: KubeObject[]) =>
      container(findOne(objs, 'Deployment'))
        .args.find((x) => x.startsWith('--lease-name='))
        ?.slice('--lease-name='.length);
    expect(lease(a)).toBe('hmc-a-dpm-operator');
    expect(lease(b)).toBe('hmc-b-dpm-operator');
    // A selector of one release never matches the pods of the other.
    const workloads = [...a, ...b].filter(
      (o) => o.kind === 'Deployment' || o.kind === 'StatefulSet',
    ) as Workload[];
    for (const w of workloads) {
      const matches = workloads.filter((p) =>
        Object.entries(w.spec.selector.matchLabels).every(
          ([k, v]) => p.spec.template.metadata.labels[k] === v,
        ),
      );
      expect(matches).toEqual([w]);
    }
  });

  it('each operator serves only the CpcSubsets its own release labels (--cpc-subset-selector)', async () => {
    const a = await renderChart(valueSets.novaBridge!, 'hmc-a', NS);
    const b = await renderChart(second, 'hmc-b', NS);
    const selector = (objs: KubeObject[]) => {
      const arg = container(findOne(objs, 'Deployment')).args.filter((x) =>
        x.startsWith('--cpc-subset-selector='),
      );
      expect(arg).toHaveLength(1);
      const [key, value] = arg[0]!.slice('--cpc-subset-selector='.length).split('=');
      return { key: key!, value: value! };
    };
    const subsets = [...a, ...b].filter((o) => o.kind === 'CpcSubset');
    expect(subsets.map((s) => s.metadata.name).sort()).toEqual(['cpca-prod', 'cpcb-test', 'cpcz-dev']);
    const served = (objs: KubeObject[]) => {
      const { key, value } = selector(objs);
      return subsets
        .filter((s) => s.metadata.labels?.[key] === value)
        .map((s) => s.metadata.name)
        .sort();
    };
    expect(selector(a)).toEqual({ key: 'app.kubernetes.io/instance', value: 'hmc-a' });
    expect(served(a)).toEqual(['cpca-prod', 'cpcb-test']);
    expect(served(b)).toEqual(['cpcz-dev']);
  });

  it('operator.releaseIsolation: false serves every CpcSubset (no selector)', async () => {
    const objects = await renderChart({ ...second, operator: { releaseIsolation: false } }, 'hmc-b', NS);
    const args = container(findOne(objects, 'Deployment')).args;
    expect(args.some((x) => x.startsWith('--cpc-subset-selector'))).toBe(false);
    expect(args).toContain('--lease-name=hmc-b-dpm-operator');
    const bad = await helmTemplate({ operator: { releaseIsolation: 'yes' } }, 'hmc-b', NS);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('releaseIsolation');
  });

  it('cluster-wide releases of the same name in two namespaces get distinct cluster-scoped names', async () => {
    const a = await renderChart(valueSets.clusterWide!, 'hmc', 'ns-a');
    const b = await renderChart(valueSets.clusterWide!, 'hmc', 'ns-b');
    const cluster = (objs: KubeObject[]) =>
      objs.filter((o) => o.kind.startsWith('Cluster')).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(cluster(a)).toEqual([
      'ClusterRole/ns-a-hmc-dpm-operator',
      'ClusterRoleBinding/ns-a-hmc-dpm-operator',
    ]);
    expect(cluster(b)).toEqual([
      'ClusterRole/ns-b-hmc-dpm-operator',
      'ClusterRoleBinding/ns-b-hmc-dpm-operator',
    ]);
  });

  it('long release names stay valid and distinct', async () => {
    const r1 = 'a-very-long-release-name-for-the-first-hmc-00001';
    const r2 = 'a-very-long-release-name-for-the-first-hmc-00002';
    const a = await renderChart(valueSets.novaBridge!, r1, NS);
    const b = await renderChart(valueSets.novaBridge!, r2, NS);
    // CpcSubset names come from the values (Nova host names), not from the release: leave them out.
    const names = (objs: KubeObject[]) =>
      objs.filter((o) => o.kind !== 'CpcSubset').map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names(a).length).toBeGreaterThan(10);
    expect(new Set([...names(a), ...names(b)]).size).toBe(names(a).length + names(b).length);
    for (const o of [...a, ...b]) {
      expect(o.metadata.name.length).toBeLessThanOrEqual(o.kind === 'StatefulSet' ? 52 : 63);
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
  });
});

describe('values.schema.json rejects bad values with a message naming the value', () => {
  const sub = hmcValues.cpcSubsets[1]!;
  const cases: [string, object, string[]][] = [
    ['replicas < 1', { replicaCount: 0 }, ["at '/replicaCount'", 'minimum']],
    ['a port out of range', { hmc: { port: 70000 } }, ["at '/hmc/port'", 'maximum']],
    ['an unknown log level', { operator: { logLevel: 'fatal' } }, ["at '/operator/logLevel'"]],
    ['a metrics port of 0', { operator: { metricsPort: 0 } }, ["at '/operator/metricsPort'"]],
    [
      'cpcSubsets without hmc.host',
      { hmc: { userid: 'u', password: 'p' }, cpcSubsets: [sub] },
      ["at '/hmc/host'"],
    ],
    [
      'cpcSubsets without credentials',
      { hmc: { host: '192.0.2.1' }, cpcSubsets: [sub] },
      ["at '/hmc/userid'", "at '/hmc/password'"],
    ],
    [
      'a cpc with neither name nor objectId',
      { ...hmcValues, cpcSubsets: [{ ...sub, cpc: {} }] },
      ["at '/cpcSubsets/0/cpc'", "missing property 'name'", "missing property 'objectId'"],
    ],
    [
      'a cpc with both name and objectId',
      { ...hmcValues, cpcSubsets: [{ ...sub, cpc: { name: 'A', objectId: 'ab12' } }] },
      ["at '/cpcSubsets/0/cpc'", 'oneOf'],
    ],
    [
      'maxMemoryMiB < 512',
      { ...hmcValues, cpcSubsets: [{ ...sub, limits: { ...sub.limits, maxMemoryMiB: 511 } }] },
      ["at '/cpcSubsets/0/limits/maxMemoryMiB'", 'minimum: got 511, want 512'],
    ],
    [
      'a CpcSubset name > 17 characters',
      { ...hmcValues, cpcSubsets: [{ ...sub, name: 'abcdefghijklmnopqr' }] },
      ["at '/cpcSubsets/0/name'", 'maxLength: got 18, want 17'],
    ],
    [
      'a storage adapter port > 3',
      { ...hmcValues, cpcSubsets: [{ ...sub, storageAdapterPorts: [{ adapterObjectId: 'ab12', port: 4 }] }] },
      ["at '/cpcSubsets/0/storageAdapterPorts/0/port'"],
    ],
    ['a misspelt top-level key', { replicas: 3 }, ["additional properties 'replicas' not allowed"]],
    [
      'no Nova bridge replica',
      { ...hmcValues, novaBridge: { enabled: true, transportUrl: 'rabbit://x', replicas: 0 } },
      ["at '/novaBridge/replicas'", 'minimum'],
    ],
    [
      'the Nova bridge without a transport URL',
      { ...hmcValues, novaBridge: { enabled: true } },
      ["at '/novaBridge/transportUrl'"],
    ],
  ];

  it.each(cases)('%s', async (_name, values, expected) => {
    const r = await helmTemplate(values, 'bad', NS);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("values don't meet the specifications of the schema");
    for (const e of expected) expect(r.stderr).toContain(e);
  });

  it('the Nova bridge with no host to serve fails with a message', async () => {
    const r = await helmTemplate({ novaBridge: { enabled: true, transportUrl: 'rabbit://x' } }, 'bad', NS);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('novaBridge.enabled needs at least one Nova host');
  });
});
