// The custom resources of one benchmark partition: a Partition booting from FCP, 2 PartitionNics, 2 PartitionHbas.
import type * as k8s from '@kubernetes/client-node';
import type { BenchCpc } from './seed.js';

const G = 'dpm.operator.dev/v1alpha1';

export function subsetName(k: number): string {
  return `bench-${String(k).padStart(3, '0')}`;
}

export function cpcSubset(k: number, cpc: BenchCpc, port: number, secret: string): k8s.KubernetesObject {
  return {
    apiVersion: G,
    kind: 'CpcSubset',
    metadata: { name: subsetName(k) },
    spec: {
      hmc: { host: '127.0.0.1', port, credentialsSecretRef: { name: secret } },
      cpc: { name: cpc.name },
      limits: { maxPartitions: 85, maxProcessors: 64, maxMemoryMiB: 1048576 },
    },
  } as k8s.KubernetesObject;
}

/** Partition `i` on subset `k` (CPC `cpc`), with its NICs and HBAs. */
export function partitionObjects(i: number, k: number, cpc: BenchCpc): k8s.KubernetesObject[] {
  const p = `p-${String(i).padStart(4, '0')}`;
  const hex = (v: number): string => v.toString(16).padStart(2, '0');
  const mac = (n: number): string => `02:00:0${n}:00:${hex(i >> 8)}:${hex(i & 0xff)}`;
  const nic = (n: number) => ({
    apiVersion: G,
    kind: 'PartitionNic',
    metadata: { name: `${p}-nic-${n}` },
    spec: { partitionRef: { name: p }, virtualSwitch: { objectId: cpc.vswitch[n] }, mac: mac(n), port: n },
  });
  const hba = (n: number) => ({
    apiVersion: G,
    kind: 'PartitionHba',
    metadata: { name: `${p}-hba-${n}` },
    spec: { partitionRef: { name: p }, adapterPort: { adapterObjectId: cpc.fcp[n], port: 0 } },
  });
  return [
    {
      apiVersion: G,
      kind: 'Partition',
      metadata: { name: p },
      spec: {
        cpcSubsetRef: { name: subsetName(k) },
        processors: { ifls: 1 },
        memory: { initialMiB: 1024, maximumMiB: 1024 },
        boot: {
          type: 'FcpVolume',
          fcpVolume: { hbaRef: { name: `${p}-hba-0` }, targetWwpn: '500507680b2145f0', lun: '0' },
        },
      },
    },
    nic(0),
    nic(1),
    hba(0),
    hba(1),
  ] as k8s.KubernetesObject[];
}

/** A Partition that references a CpcSubset nobody serves (the idle-memory phase: cached, reported once). */
export function idlePartition(i: number): k8s.KubernetesObject {
  return {
    apiVersion: G,
    kind: 'Partition',
    metadata: { name: `idle-${String(i).padStart(5, '0')}` },
    spec: {
      cpcSubsetRef: { name: 'not-served' },
      processors: { ifls: 1 },
      memory: { initialMiB: 1024, maximumMiB: 1024 },
    },
  } as k8s.KubernetesObject;
}
