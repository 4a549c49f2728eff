// The operator's Kubernetes footprint, written down independently of the chart: the chart's RBAC must
// grant exactly this (brief: "what the operator's code does in Kubernetes").

export const CR_RESOURCES = ['cpcsubsets', 'partitions', 'partitionnics', 'partitionhbas', 'storagegroups'];

export const OPERATOR_RULES = [
  {
    apiGroups: ['dpm.operator.dev'],
    resources: CR_RESOURCES,
    verbs: ['get', 'list', 'watch', 'update', 'patch'],
  },
  {
    apiGroups: ['dpm.operator.dev'],
    resources: CR_RESOURCES.map((r) => `${r}/status`),
    verbs: ['get', 'update', 'patch'],
  },
  // Credentials Secrets are read by name when a CpcSubset is checked: never listed or watched.
  { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];

export const leaderElectionRules = (leaseName: string) => [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    resourceNames: [leaseName],
    verbs: ['get', 'update'],
  },
];

/** The HMC session ledger: one Secret the chart creates, read and patched by name only. */
export const sessionLedgerRules = (secretName: string) => [
  { apiGroups: [''], resources: ['secrets'], resourceNames: [secretName], verbs: ['get', 'patch'] },
];

/**
 * The Nova bridge: its CRs, the release's HMC credentials Secret by name (console output), and the
 * Lease of each host it serves (create; get and update by name).
 */
export const novaBridgeRules = (hmcSecretName: string, hosts: string[]) => [
  {
    apiGroups: ['dpm.operator.dev'],
    resources: ['partitions', 'partitionnics', 'partitionhbas', 'storagegroups'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  { apiGroups: ['dpm.operator.dev'], resources: ['cpcsubsets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['secrets'], resourceNames: [hmcSecretName], verbs: ['get'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    resourceNames: hosts.map((h) => `nova-bridge-${h}`),
    verbs: ['get', 'update'],
  },
];
