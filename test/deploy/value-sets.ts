// Value sets the chart tests render, lint and apply. Each one is a realistic installation.

const caBundle = `-----BEGIN CERTIFICATE-----
MIIBszCCAVmgAwIBAgIUFakeTestCaForTheChartOnlyAAAAAAAAAwCgYIKoZIzj0E
-----END CERTIFICATE-----
`;

/** One HMC with credentials in the values and two CpcSubsets (by CPC name and by object-id). */
export const hmcValues = {
  hmc: { host: '192.0.2.10', alternateHost: '192.0.2.11', userid: 'ensadmin', password: 's3cret', caBundle },
  cpcSubsets: [
    {
      name: 'cpca-prod',
      cpc: { name: 'CPCA' },
      limits: { maxPartitions: 10, maxProcessors: 8, maxMemoryMiB: 65536 },
      storageAdapterPorts: [
        { adapterObjectId: '9f3a3f2c-1111-11e9-8e6e-00106f0d81cb', port: 0 },
        { adapterObjectId: '9f3a3f2c-2222-11e9-8e6e-00106f0d81cb', port: 1 },
      ],
      targetWwpnIgnoreList: ['500507680b2145f0'],
    },
    {
      name: 'cpcb-test',
      cpc: { objectId: '37c6f8a9-8d5e-3e5d-8466-be79e49dd340' },
      limits: { maxPartitions: 2, maxProcessors: 2, maxMemoryMiB: 8192 },
    },
  ],
};

export const valueSets: Record<string, object> = {
  defaults: {},
  hmc: hmcValues,
  clusterWide: { ...hmcValues, rbac: { clusterWide: true } },
  novaBridge: {
    ...hmcValues,
    novaBridge: { enabled: true, transportUrl: 'rabbit://nova:pw@rabbit.openstack:5672/' },
  },
  existingSecret: {
    hmc: { host: '192.0.2.20', existingSecret: 'my-hmc-credentials' },
    cpcSubsets: [
      {
        name: 'lab',
        cpc: { name: 'CPCLAB' },
        limits: { maxPartitions: 1, maxProcessors: 1, maxMemoryMiB: 512 },
      },
    ],
    novaBridge: { enabled: true, existingSecret: 'nova-transport', existingSecretKey: 'url' },
  },
  serviceMonitor: { metrics: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } } },
  singleReplica: { replicaCount: 1, networkPolicy: { enabled: false } },
};
