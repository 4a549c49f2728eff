// Runs the project image with testcontainers (through podman's Docker-compatible socket, which
// tools/test-image.sh starts) the way Kubernetes would run a rendered pod: its args, its env (Downward
// API and Secret references resolved), its pod + container securityContext, its emptyDirs as tmpfs,
// and the ServiceAccount token mounted where the in-cluster config looks for it.
// Podman 4.3 notes (issue 12): no Ryuk (containers are labelled and removed by tools/test-image.sh
// too), waits are on log lines (not forListeningPorts, whose exec polling leaks conmon processes).
import type * as k8s from '@kubernetes/client-node';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GenericContainer,
  getContainerRuntimeClient,
  type StartedTestContainer,
  type WaitStrategy,
} from 'testcontainers';
import { type KubeObject, repoRoot, serviceAccountKubeConfig } from '../deploy/helpers.js';

/** Label on every container of the tier; tools/test-image.sh removes what carries it. */
export const TIER_LABEL = 'dpm-operator.test';

/** The image under test: $DPM_IMAGE, else the one tools/image.sh built last (dist/image/image.json). */
export function imageRef(): string {
  if (process.env.DPM_IMAGE) return process.env.DPM_IMAGE;
  const info = JSON.parse(readFileSync(join(repoRoot, 'dist', 'image', 'image.json'), 'utf8')) as {
    image: string;
  };
  return info.image;
}

/** A container of the tier: labelled, with its output kept for failure messages. */
export class TierContainer extends GenericContainer {
  private out = '';

  constructor(image: string, role: string) {
    super(image);
    this.withLabels({ [TIER_LABEL]: role })
      .withPullPolicy({ shouldPull: () => false })
      .withLogConsumer((s) =>
        s.on('data', (d: Buffer) => (this.out = (this.out + d.toString()).slice(-20000))),
      );
  }

  /** Everything the container wrote so far. */
  output(): string {
    return this.out;
  }

  /** The first output line matching `re` (the log consumer may lag behind the start's log wait). */
  async outputLine(re: RegExp, timeoutMs = 10000): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const line = this.out.split('\n').find((l) => re.test(l));
      if (line) return line;
      if (Date.now() > end) throw new Error(`no output line matching ${re}:\n${this.out.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  readOnlyRootFilesystem(): this {
    this.hostConfig.ReadonlyRootfs = true;
    return this;
  }

  async startWith(wait: WaitStrategy, timeoutMs = 60000): Promise<StartedTestContainer> {
    try {
      return await this.withWaitStrategy(wait).withStartupTimeout(timeoutMs).start();
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- container output ---\n${this.out.slice(-4000)}`);
    }
  }
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    secretKeyRef?: { name: string; key: string };
  };
}
interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}
export interface PodTemplate {
  metadata: { name: string };
  spec: {
    template: {
      spec: {
        serviceAccountName: string;
        securityContext?: SecurityContext;
        containers: {
          args: string[];
          env?: EnvVar[];
          securityContext?: SecurityContext;
          volumeMounts?: { name: string; mountPath: string }[];
        }[];
        volumes?: { name: string; emptyDir?: { sizeLimit?: string } }[];
      };
    };
  };
}

export interface PodContainer {
  readonly container: TierContainer;
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly podName: string;
  /** Removes the ServiceAccount token directory (the container is stopped by its owner). */
  cleanup(): Promise<void>;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * A container for the first container of a rendered Deployment/StatefulSet, on the host network (the
 * test's kube-apiserver, simulator and RabbitMQ listen on loopback). `mapArgs` may move ports.
 */
export async function podContainer(opts: {
  kc: k8s.KubeConfig;
  namespace: string;
  workload: PodTemplate;
  objects: readonly KubeObject[];
  role: string;
  mapArgs?: (arg: string) => string;
}): Promise<PodContainer> {
  const pod = opts.workload.spec.template.spec;
  const c = pod.containers[0]!;
  const podName = `${opts.workload.metadata.name}-${Math.random().toString(36).slice(2, 7)}`;
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) env[e.name] = resolveEnv(e, opts.namespace, podName, opts.objects);

  // The projected ServiceAccount volume, and the in-cluster API server address.
  const sa = await serviceAccountKubeConfig(opts.kc, opts.namespace, pod.serviceAccountName);
  const cluster = opts.kc.getCurrentCluster()!;
  const server = new URL(cluster.server);
  const dir = await mkdtemp(join(tmpdir(), 'dpm-image-sa-'));
  await chmod(dir, 0o755);
  const ca = cluster.caData
    ? Buffer.from(cluster.caData, 'base64').toString()
    : readFileSync(cluster.caFile!, 'utf8');
  for (const [f, v] of Object.entries({
    token: sa.getCurrentUser()!.token!,
    'ca.crt': ca,
    namespace: opts.namespace,
  }))
    await writeFile(join(dir, f), v, { mode: 0o644 });
  env.KUBERNETES_SERVICE_HOST = server.hostname;
  env.KUBERNETES_SERVICE_PORT = server.port || '443';

  const args = c.args.map(opts.mapArgs ?? ((a) => a));
  const container = new TierContainer(imageRefCached(), opts.role)
    .withNetworkMode('host')
    .withCommand(args)
    .withEnvironment(env)
    .withBindMounts([{ source: dir, target: SA_DIR, mode: 'ro' }]);
  applySecurityContext(container, { ...pod.securityContext, ...c.securityContext });
  const tmpfs: Record<string, string> = {};
  for (const m of c.volumeMounts ?? []) {
    const v = pod.volumes?.find((x) => x.name === m.name);
    if (!v?.emptyDir) throw new Error(`volume ${m.name}: only emptyDir volumes are modelled`);
    const size = v.emptyDir.sizeLimit?.replace(/Mi$/, 'm').replace(/Gi$/, 'g');
    tmpfs[m.mountPath] = `rw,nosuid,nodev,mode=1777${size ? `,size=${size}` : ''}`;
  }
  container.withTmpFs(tmpfs);
  return {
    container,
    args,
    env,
    podName,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

let cachedImage: string | undefined;
const imageRefCached = (): string => (cachedImage ??= imageRef());

function resolveEnv(e: EnvVar, namespace: string, podName: string, objects: readonly KubeObject[]): string {
  if (e.value !== undefined) return e.value;
  const field = e.valueFrom?.fieldRef?.fieldPath;
  if (field === 'metadata.namespace') return namespace;
  if (field === 'metadata.name') return podName;
  const ref = e.valueFrom?.secretKeyRef;
  if (ref) {
    const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === ref.name) as
      (KubeObject & { stringData?: Record<string, string> }) | undefined;
    const v = secret?.stringData?.[ref.key];
    if (v !== undefined) return v;
  }
  throw new Error(`env ${e.name}: cannot resolve ${JSON.stringify(e.valueFrom)}`);
}

/** Pod + container securityContext as the container engine's options (as the kubelet sets them). */
export function applySecurityContext(c: TierContainer, sc: SecurityContext): void {
  if (sc.runAsUser !== undefined) c.withUser(`${sc.runAsUser}:${sc.runAsGroup ?? sc.runAsUser}`);
  if (sc.readOnlyRootFilesystem) c.readOnlyRootFilesystem();
  if (sc.allowPrivilegeEscalation === false) c.withSecurityOpt('no-new-privileges');
  if (sc.capabilities?.drop?.length) c.withDroppedCapabilities(...sc.capabilities.drop);
  if (sc.capabilities?.add?.length) c.withAddedCapabilities(...sc.capabilities.add);
  // seccompProfile RuntimeDefault is the engine's default profile: nothing to set.
  if (sc.seccompProfile && sc.seccompProfile.type !== 'RuntimeDefault')
    throw new Error(`seccompProfile ${sc.seccompProfile.type} is not modelled`);
}

/** The container's main process (tini) as the host sees it, and the user the container was created with. */
export async function containerProcess(c: StartedTestContainer): Promise<{
  pid: number;
  user: string;
  readOnlyRoot: boolean;
  securityOpt: string[];
}> {
  const client = await getContainerRuntimeClient();
  const info = await client.container.inspect(client.container.getById(c.getId()));
  return {
    pid: info.State.Pid,
    user: info.Config.User,
    readOnlyRoot: info.HostConfig.ReadonlyRootfs === true,
    securityOpt: info.HostConfig.SecurityOpt ?? [],
  };
}

/** Capabilities in effect for a host process (hex CapEff from /proc). */
export function effectiveCapabilities(hostPid: number): bigint {
  const status = readFileSync(`/proc/${hostPid}/status`, 'utf8');
  return BigInt(`0x${/^CapEff:\s+([0-9a-f]+)/m.exec(status)![1]}`);
}

/** The uid and gid a host process runs as (from /proc: the container engine's view is not trusted). */
export function processIds(hostPid: number): { uid: number; gid: number } {
  const status = readFileSync(`/proc/${hostPid}/status`, 'utf8');
  const uid = Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
  const gid = Number(/^Gid:\s+(\d+)/m.exec(status)![1]);
  return { uid, gid };
}
