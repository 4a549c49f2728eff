// An operator environment for integration tests: the real HMC simulator (HTTPS + STOMP), the real
// kube-apiserver with the generated CRDs, and the operator's manager running in-process.
import * as k8s from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import yaml from 'js-yaml';
import pino from 'pino';
import { HmcSession } from '../../src/hmc/session.js';
import { startSimulator } from '../../src/hmc-simulator/index.js';
import type { RunningSimulator, SimulatorOptions } from '../../src/hmc-simulator/index.js';
import { OperatorManager } from '../../src/controllers/manager.js';
import { eventSink } from '../../src/controllers/operator.js';
import { EventRecorder } from '../../src/runtime/events.js';
import { installCrds as installAllCrds } from '../../src/devenv/install-crds.js';
import { API_GROUP, API_VERSION } from '../../src/crds/index.js';
import { freshNamespace, kubeConfig } from './kube.js';

export const SAMPLES = join(process.cwd(), 'deploy', 'samples');

export interface RecordedEvent {
  type: string;
  name: string;
  reason: string;
  message: string;
}

/** The seed CPC's object-uri (the same in src/hmc-simulator/seed/z13.yaml and z16.yaml). */
export const SEED_CPC_URI = '/api/cpcs/a1b2c3d4-0000-4000-8000-000000000001';

export interface HmcPartitionRef {
  name: string;
  status: string;
  'object-uri': string;
}

export interface OperatorEnv {
  /** A session of the test's own on the simulator (the operator has its own). */
  hmc: HmcSession;
  /** Every partition of the seed CPC as the HMC lists it. */
  hmcPartitions(): Promise<HmcPartitionRef[]>;
  /** Applies deploy/samples files pointed at this simulator; returns what was applied. */
  applySamples(files: string[]): Promise<k8s.KubernetesObject[]>;
  kc: k8s.KubeConfig;
  ns: string;
  sim: RunningSimulator;
  manager: OperatorManager;
  /** The namespace's real Kubernetes Events, as the operator's EventRecorder wrote them. */
  events(): Promise<RecordedEvent[]>;
  custom: k8s.CustomObjectsApi;
  /** Every reconcile pass the operator ran, in order (its onReconcile hook). */
  reconciles: { controller: string; key: string; result: string }[];
  /** Starts (again) an operator manager against the same namespace. */
  startOperator(): Promise<OperatorManager>;
  stopOperator(): Promise<void>;
  stop(): Promise<void>;
}

let crdsInstalled: Promise<unknown> | undefined;

/** Installs the CRDs (with their defaults and CEL rules) once per test file. */
export async function installCrds(kc: k8s.KubeConfig): Promise<void> {
  crdsInstalled ??= installAllCrds(kc);
  await crdsInstalled;
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Reads the sample YAMLs, pointing the CpcSubset at this simulator. */
export async function sampleObjects(sim: RunningSimulator, files: string[]): Promise<k8s.KubernetesObject[]> {
  const out: k8s.KubernetesObject[] = [];
  for (const f of files) {
    for (const doc of yaml.loadAll(await readFile(join(SAMPLES, f), 'utf8')) as k8s.KubernetesObject[]) {
      if (!doc) continue;
      if (doc.kind === 'CpcSubset') (doc as { spec: { hmc: { port: number } } }).spec.hmc.port = sim.port;
      if (doc.kind === 'Secret') {
        (doc as k8s.V1Secret).stringData = {
          userid: sim.userid,
          password: sim.password,
          'ca.crt': sim.caPem,
        };
      }
      out.push(doc);
    }
  }
  return out;
}

export async function applyObjects(
  kc: k8s.KubeConfig,
  ns: string,
  objs: k8s.KubernetesObject[],
): Promise<void> {
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const o of objs) {
    o.metadata = { ...o.metadata, namespace: ns };
    await client.patch(o, undefined, undefined, 'dpm-operator-test', true, k8s.PatchStrategy.ServerSideApply);
  }
}

export async function getCr<T>(
  env: { custom: k8s.CustomObjectsApi; ns: string },
  plural: string,
  name: string,
): Promise<T | undefined> {
  try {
    return (await env.custom.getNamespacedCustomObject({
      group: API_GROUP,
      version: API_VERSION,
      namespace: env.ns,
      plural,
      name,
    })) as T;
  } catch (e) {
    if (e instanceof k8s.ApiException && e.code === 404) return undefined;
    throw e;
  }
}

export async function startOperatorEnv(
  opts: { sim?: SimulatorOptions; resyncMs?: number; subsetResyncMs?: number } = {},
): Promise<OperatorEnv> {
  const kc = kubeConfig();
  await installCrds(kc);
  const ns = await freshNamespace(kc, 'op');
  const sim = await startSimulator({
    port: 0,
    stompPort: 0,
    jobDurationMs: 100,
    seedName: 'z13',
    ...opts.sim,
  });
  const hmc = new HmcSession({
    hosts: [`127.0.0.1:${sim.port}`],
    userid: sim.userid,
    password: sim.password,
    ca: sim.caPem,
  });
  const log = pino({ level: process.env.DPM_TEST_LOG_LEVEL ?? 'silent' });
  let manager: OperatorManager | undefined;
  const env: OperatorEnv = {
    kc,
    ns,
    sim,
    hmc,
    async hmcPartitions() {
      return (await hmc.get<{ partitions: HmcPartitionRef[] }>(`${SEED_CPC_URI}/partitions`)).partitions;
    },
    async applySamples(files) {
      const objs = await sampleObjects(sim, files);
      await applyObjects(kc, ns, objs);
      return objs;
    },
    async events() {
      const list = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedEvent({ namespace: ns });
      return list.items.map((e) => ({
        type: e.type ?? '',
        name: e.involvedObject.name ?? '',
        reason: e.reason ?? '',
        message: e.message ?? '',
      }));
    },
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    reconciles: [],
    get manager() {
      if (!manager) throw new Error('operator not running');
      return manager;
    },
    async startOperator() {
      manager = new OperatorManager({
        kubeConfig: kc,
        namespaces: [ns],
        concurrency: 4,
        log,
        events: eventSink(new EventRecorder({ kubeConfig: kc, component: 'dpm-operator', logger: log })),
        resyncMs: opts.resyncMs,
        subsetResyncMs: opts.subsetResyncMs,
        stompPort: sim.stompPort,
        onReconcile: (controller, key, result) => env.reconciles.push({ controller, key, result }),
      });
      await manager.startInformers();
      manager.startWorkers();
      return manager;
    },
    async stopOperator() {
      await manager?.stop();
      manager = undefined;
    },
    async stop() {
      await env.stopOperator();
      await hmc.close();
      await sim.stop();
    },
  };
  await env.startOperator();
  return env;
}
