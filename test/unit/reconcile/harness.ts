// The fast reconcile tier: the real reconcilers against the in-process HMC simulator (HTTPS + STOMP) and the
// in-memory Kubernetes. A small driver plays the work queue: notifications and object changes enqueue keys,
// outcomes requeue them (delays shortened, so safety nets run in test time), `settle` runs until a condition.
import pino from 'pino';
import type { CpcSubset, Partition, PartitionHba, PartitionNic } from '../../../src/crds/index.js';
import { PLURAL } from '../../../src/crds/index.js';
import { HmcClient } from '../../../src/hmc/client.js';
import {
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../../src/hmc-simulator/index.js';
import { HmcGateway, attachNotifications } from '../../../src/controllers/hmc-gateway.js';
import type { Outcome } from '../../../src/controllers/outcome.js';
import { PartitionReconciler } from '../../../src/controllers/partition/reconciler.js';
import { MemoryKube } from './memory-kube.js';

export const NS = 'default';
/** The z13 seed's CPC (src/hmc-simulator/seed/z13.yaml). */
export const CPC_URI = '/api/cpcs/a1b2c3d4-0000-4000-8000-000000000001';
export const VSWITCH_A = 'a1b2c3d4-0000-4000-8000-0000000000b1';
export const VSWITCH_B = 'a1b2c3d4-0000-4000-8000-0000000000b2';
export const FCP_1 = 'a1b2c3d4-0000-4000-8000-0000000000f1';
export const FCP_2 = 'a1b2c3d4-0000-4000-8000-0000000000f2';

/** Longest delay the driver honours for a requeue (the operator's own are seconds to minutes). */
const MAX_REQUEUE_MS = 200;

export interface ReconcileEnv {
  sim: RunningSimulator;
  kube: MemoryKube;
  gateway: HmcGateway;
  client: HmcClient;
  reconciler: PartitionReconciler;
  /** Runs queued keys until `until` holds (or throws after timeoutMs). */
  settle(until: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  enqueue(key: string): void;
  outcomes: Outcome[];
  /** A new HMC client, gateway and reconciler on the same simulator and objects (an operator restart). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function subsetCr(): CpcSubset {
  return {
    apiVersion: 'dpm.operator.dev/v1alpha1',
    kind: 'CpcSubset',
    metadata: { name: 'demo', namespace: NS },
    spec: {
      hmc: { host: '127.0.0.1', credentialsSecretRef: { name: 'hmc' } },
      cpc: { name: 'CPCZ16A' },
      limits: { maxPartitions: 10, maxProcessors: 16, maxMemoryMiB: 65536 },
    },
    status: {
      cpcUri: CPC_URI,
      cpcName: 'CPCZ16A',
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: '2026-01-01T00:00:00Z' },
      ],
    },
  } as unknown as CpcSubset;
}

export function partitionCr(name: string, spec: Partial<Partition['spec']> = {}): Partition {
  return {
    apiVersion: 'dpm.operator.dev/v1alpha1',
    kind: 'Partition',
    metadata: { name, namespace: NS },
    spec: {
      cpcSubsetRef: { name: 'demo' },
      processors: { ifls: 1, mode: 'Shared' },
      memory: { initialMiB: 1024, maximumMiB: 1024 },
      powerState: 'Active',
      boot: { type: 'None' },
      deletionPolicy: 'Delete',
      updateStrategy: 'WhileStopped',
      ...spec,
    },
  };
}

export function nicCr(
  name: string,
  partition: string,
  mac: string,
  extra: Partial<PartitionNic['spec']> = {},
): PartitionNic {
  return {
    apiVersion: 'dpm.operator.dev/v1alpha1',
    kind: 'PartitionNic',
    metadata: { name, namespace: NS },
    spec: {
      partitionRef: { name: partition },
      virtualSwitch: { objectId: VSWITCH_A },
      mac,
      port: 0,
      ...extra,
    },
  } as PartitionNic;
}

export function hbaCr(
  name: string,
  partition: string,
  adapter = FCP_1,
  extra: Partial<PartitionHba['spec']> = {},
): PartitionHba {
  return {
    apiVersion: 'dpm.operator.dev/v1alpha1',
    kind: 'PartitionHba',
    metadata: { name, namespace: NS },
    spec: { partitionRef: { name: partition }, adapterPort: { adapterObjectId: adapter, port: 0 }, ...extra },
  } as PartitionHba;
}

export async function startReconcileEnv(
  opts: { sim?: SimulatorOptions; requestTimeoutMs?: number; jobPollMs?: number } = {},
): Promise<ReconcileEnv> {
  // The z13 seed: HBAs exist only there (z16 has dpm-storage-management: storage groups instead).
  const sim = await startSimulator({
    port: 0,
    stompPort: 0,
    jobDurationMs: 50,
    seedName: 'z13',
    ...opts.sim,
  });
  const kube = new MemoryKube();
  const log = pino({ level: process.env.DPM_TEST_LOG_LEVEL ?? 'silent' });
  const due = new Map<string, number>(); // key -> when it may run
  const outcomes: Outcome[] = [];
  const enqueue = (key: string, afterMs = 0): void => {
    const at = Date.now() + Math.min(afterMs, MAX_REQUEUE_MS);
    const prev = due.get(key);
    if (prev === undefined || at < prev) due.set(key, at);
  };
  const keyOfUri = (uri: string): string | undefined =>
    kube
      .cache<Partition>(PLURAL.Partition)
      .list()
      .find((p) => p.status?.partitionUri === uri)?.metadata.name;
  kube.onChange = (plural, o) => {
    const parent =
      plural === PLURAL.Partition
        ? o.metadata.name
        : (o.spec as { partitionRef?: { name: string } })?.partitionRef?.name;
    if (parent && plural !== PLURAL.CpcSubset) enqueue(`${o.metadata.namespace}/${parent}`);
  };
  kube.apply(PLURAL.CpcSubset, subsetCr());

  let client!: HmcClient;
  const env = {
    sim,
    kube,
    outcomes,
    enqueue: (key: string) => enqueue(key),
  } as ReconcileEnv;
  const connect = async (): Promise<void> => {
    client = await HmcClient.connect({
      hosts: [`127.0.0.1:${sim.port}`],
      userid: sim.userid,
      password: sim.password,
      ca: sim.caPem,
      stompPort: sim.stompPort,
      requestTimeoutMs: opts.requestTimeoutMs,
      retry: { maxAttempts: 2, baseMs: 10, maxMs: 20 },
    });
    const gateway = new HmcGateway(client);
    attachNotifications(client, gateway, (uri) => {
      if (uri === undefined)
        for (const p of kube.cache<Partition>(PLURAL.Partition).list()) enqueue(`${NS}/${p.metadata.name}`);
      else {
        const name = keyOfUri(uri);
        if (name) enqueue(`${NS}/${name}`);
      }
    });
    env.gateway = gateway;
    env.client = client;
    env.reconciler = new PartitionReconciler({
      partitions: kube.cache<Partition>(PLURAL.Partition),
      nics: kube.cache<PartitionNic>(PLURAL.PartitionNic),
      hbas: kube.cache<PartitionHba>(PLURAL.PartitionHba),
      subsets: kube.cache<CpcSubset>(PLURAL.CpcSubset),
      gatewayFor: async () => gateway,
      writer: kube,
      events: kube,
      log,
      jobPollMs: opts.jobPollMs,
    });
  };
  await connect();
  const retries = new Map<string, number>();
  env.settle = async (until, what, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!until()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      const now = Date.now();
      const ready = [...due].filter(([, at]) => at <= now).map(([k]) => k);
      if (ready.length === 0) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      for (const key of ready) {
        due.delete(key);
        const out = await env.reconciler.reconcile(key);
        outcomes.push(out);
        if (out.kind === 'retry') {
          const n = (retries.get(key) ?? 0) + 1;
          retries.set(key, n);
          enqueue(key, Math.min(10 * 2 ** n, MAX_REQUEUE_MS));
        } else {
          retries.delete(key);
          if (out.kind === 'requeue') enqueue(key, out.afterMs);
        }
        if (until()) return;
      }
    }
  };
  env.restart = async () => {
    await client.close();
    due.clear();
    await connect();
    for (const p of kube.cache<Partition>(PLURAL.Partition).list()) enqueue(`${NS}/${p.metadata.name}`);
  };
  env.stop = async () => {
    await client.close();
    await sim.stop();
  };
  return env;
}
