// Observe: one snapshot of a Partition pass. Desired state from the informer caches with its references
// resolved (CpcSubset, PartitionNics/Hbas, virtual switches against the cached CPC inventory); observed state
// from the HMC gateway's notification-fed cache. No side effects; HMC failures become `observed: unknown`.
import type { Logger } from 'pino';
import {
  ANNOTATION_PAUSED,
  FINALIZER,
  type CpcSubset,
  type Partition,
  type PartitionHba,
  type PartitionNic,
} from '../../crds/index.js';
import type { Reason } from '../../crds/reasons.js';
import type { HmcGateway } from '../hmc-gateway.js';
import type { KubeWriter } from '../kube.js';
import { hbaHmcName, nicDescription, nicHmcName, partitionDescription, partitionHmcName } from '../naming.js';
import type { EventSink, ReadCache } from '../outcome.js';
import type { DesiredHba, DesiredNic, DesiredPartition, JobState, Observed, PendingJob } from './model.js';

/** Annotation written before a create is sent: "a partition of this name may exist on the HMC". */
export const ANNOTATION_CREATE_ATTEMPTED = 'dpm.operator.dev/create-attempted';

/** Without a completion notification, a pending job is read (GET) this long after it was submitted. */
export const JOB_POLL_MS = 60_000;

export interface PartitionDeps {
  partitions: ReadCache<Partition>;
  nics: ReadCache<PartitionNic>;
  hbas: ReadCache<PartitionHba>;
  subsets: ReadCache<CpcSubset>;
  gatewayFor(subset: CpcSubset): Promise<HmcGateway>;
  writer: KubeWriter;
  events: EventSink;
  log: Logger;
  /** With a CpcSubset selector, a Partition of a subset not in the cache belongs to another operator. */
  ignoreUnknownSubsets?: boolean;
  now?: () => Date;
  /** Overrides JOB_POLL_MS (tests). */
  jobPollMs?: number;
}

export type Resolved<T> = { ok: true; value: T } | { ok: false; reason: Reason; message: string };

export interface PartitionSnapshot {
  kind: 'partition';
  key: string;
  cr: Partition;
  nics: PartitionNic[];
  hbas: PartitionHba[];
  /** Every Partition of the namespace (admission and adoption are decided on them). */
  peers: Partition[];
  subset: CpcSubset | undefined;
  subsetReady: boolean;
  hmcName: string;
  deleting: boolean;
  hasFinalizer: boolean;
  /** A create may have reached the HMC (annotation), so only a name lookup can tell. */
  createAttempted: boolean;
  desired: Resolved<DesiredPartition> | undefined;
  observed: Observed;
  job: { pending: PendingJob; state: JobState } | undefined;
  now: Date;
  /** Handles for act (not data the plan reads). */
  gateway: HmcGateway | undefined;
  cpcUri: string | undefined;
}

export type Snapshot =
  | { kind: 'skip' }
  /** The Partition is gone: its children are released and told. */
  | { kind: 'gone'; key: string; namespace: string; name: string; nics: PartitionNic[]; hbas: PartitionHba[] }
  | PartitionSnapshot;

const isDeleting = (o: { metadata: { deletionTimestamp?: unknown } }): boolean =>
  Boolean(o.metadata.deletionTimestamp);

export async function observe(d: PartitionDeps, key: string): Promise<Snapshot> {
  const [ns = '', name = ''] = key.split('/');
  const cr = d.partitions.get(ns, name);
  const nics = d.nics.list(ns).filter((n) => n.spec.partitionRef.name === name);
  const hbas = d.hbas.list(ns).filter((h) => h.spec.partitionRef.name === name);
  if (!cr) return { kind: 'gone', key, namespace: ns, name, nics, hbas };
  if (cr.metadata.annotations?.[ANNOTATION_PAUSED] === 'true') return { kind: 'skip' };
  const subset = d.subsets.get(ns, cr.spec.cpcSubsetRef.name);
  if (!subset && d.ignoreUnknownSubsets) return { kind: 'skip' };

  const cpcUri = subset?.status?.cpcUri;
  const subsetReady = Boolean(
    cpcUri && subset?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  const deleting = isDeleting(cr);
  const createAttempted = Boolean(cr.metadata.annotations?.[ANNOTATION_CREATE_ATTEMPTED]);
  const knownUri = cr.status?.partitionUri;
  const snap: PartitionSnapshot = {
    kind: 'partition',
    key,
    cr,
    nics,
    hbas,
    peers: d.partitions.list(ns),
    subset,
    subsetReady,
    hmcName:
      cr.spec.adoptPartitionName ?? partitionHmcName(subset?.metadata.name ?? '', cr.metadata.uid ?? ''),
    deleting,
    hasFinalizer: Boolean(cr.metadata.finalizers?.includes(FINALIZER)),
    createAttempted,
    desired: undefined,
    observed: { kind: 'not-needed' },
    job: undefined,
    now: (d.now ?? (() => new Date()))(),
    gateway: undefined,
    cpcUri,
  };
  // Deleting a partition that never reached the HMC (or is orphaned) needs no HMC at all.
  const mayExist = Boolean(knownUri) || createAttempted || Boolean(cr.spec.adoptPartitionName);
  if (deleting && (!mayExist || cr.spec.deletionPolicy === 'Orphan' || !snap.hasFinalizer)) return snap;
  if (!subset || !cpcUri || !subsetReady) return snap;

  try {
    const gw = await d.gatewayFor(subset);
    snap.gateway = gw;
    if (!deleting) snap.desired = await resolveDesired(cr, subset, snap.hmcName, nics, hbas, gw, cpcUri);
    let observed = knownUri ? await gw.getPartition(knownUri) : undefined;
    if (!observed && mayExist) {
      // Create guard: only the deterministic name can tell whether a create whose answer was lost happened.
      const ref = await gw.findPartitionByName(cpcUri, snap.hmcName);
      if (ref) observed = await gw.getPartition(ref.uri);
    }
    snap.observed = observed ? { kind: 'present', partition: observed } : { kind: 'absent' };
    const pending = cr.status?.pendingJob;
    if (pending && observed) {
      snap.job = { pending, state: await observeJob(gw, pending, observed.status, snap.now, d.jobPollMs) };
    }
  } catch (error) {
    snap.observed = { kind: 'unknown', error };
  }
  return snap;
}

/** Partition statuses that show a job's success without asking the HMC about the job. */
const SUCCEEDED: Record<PendingJob['operation'], ReadonlySet<string>> = {
  start: new Set(['active', 'degraded', 'paused']),
  stop: new Set(['stopped']),
};

/**
 * The state of a recorded job, with the fewest requests: the partition's status (notification-fed) shows
 * success; a completion notification or the bounded poll (jobPollMs after submission) reads the job once.
 */
async function observeJob(
  gw: HmcGateway,
  job: PendingJob,
  partitionStatus: string,
  now: Date,
  pollMs = JOB_POLL_MS,
): Promise<JobState> {
  if (SUCCEEDED[job.operation].has(partitionStatus)) return { state: 'succeeded' };
  const age = now.getTime() - Date.parse(job.submittedAt);
  // A completion seen while the partition still shows starting/stopping: its status notification follows.
  const settled = partitionStatus !== 'starting' && partitionStatus !== 'stopping';
  if ((!gw.jobCompleted(job.uri) || !settled) && age < pollMs)
    return { state: 'running', recheckMs: pollMs - age };
  return gw.jobState(job.uri, pollMs);
}

/** Desired state in HMC terms; references that do not resolve are refused here, before any HMC write. */
async function resolveDesired(
  cr: Partition,
  subset: CpcSubset,
  hmcName: string,
  nics: PartitionNic[],
  hbas: PartitionHba[],
  gw: HmcGateway,
  cpcUri: string,
): Promise<Resolved<DesiredPartition>> {
  const subsetName = subset.metadata.name ?? '';
  const desiredNics: DesiredNic[] = [];
  for (const n of nics.filter((x) => !isDeleting(x))) {
    const vs = n.spec.virtualSwitch;
    let vsUri: string | undefined;
    if (vs.objectId) {
      vsUri = `/api/virtual-switches/${vs.objectId}`;
      if (!(await gw.virtualSwitchUris(cpcUri)).has(vsUri)) {
        return {
          ok: false,
          reason: 'VirtualSwitchNotFound',
          message: `PartitionNic ${n.metadata.name} spec.virtualSwitch.objectId: CPC ${subset.status?.cpcName} has no virtual switch ${vs.objectId}`,
        };
      }
    } else if (vs.adapterObjectId !== undefined && vs.port !== undefined) {
      vsUri = await gw.virtualSwitchFor(cpcUri, vs.adapterObjectId, vs.port);
    }
    if (!vsUri) {
      return {
        ok: false,
        reason: 'VirtualSwitchNotFound',
        message: `PartitionNic ${n.metadata.name} spec.virtualSwitch: no virtual switch for adapter ${vs.adapterObjectId} port ${vs.port}`,
      };
    }
    desiredNics.push({
      crName: n.metadata.name ?? '',
      hmcName: nicHmcName(n.metadata.uid ?? ''),
      description: nicDescription(n.spec.mac, subsetName),
      virtualSwitchUri: vsUri,
      mac: n.spec.mac,
      port: n.spec.port ?? 0,
      deviceNumber: n.spec.deviceNumber,
      vlanId: n.spec.vlanId,
    });
  }
  const allowed = subset.spec.storageAdapterPorts ?? [];
  const desiredHbas: DesiredHba[] = [];
  for (const h of hbas.filter((x) => !isDeleting(x))) {
    const a = h.spec.adapterPort;
    if (
      allowed.length &&
      !allowed.some((x) => x.adapterObjectId === a.adapterObjectId && x.port === a.port)
    ) {
      return {
        ok: false,
        reason: 'AdapterNotFound',
        message:
          `PartitionHba ${h.metadata.name} spec.adapterPort ${a.adapterObjectId}:${a.port} ` +
          `is not in CpcSubset ${subsetName} spec.storageAdapterPorts`,
      };
    }
    desiredHbas.push({
      crName: h.metadata.name ?? '',
      hmcName: hbaHmcName(h.metadata.uid ?? ''),
      adapterPortUri: `/api/adapters/${a.adapterObjectId}/storage-ports/${a.port}`,
      deviceNumber: h.spec.deviceNumber,
    });
  }
  const fcp = cr.spec.boot?.fcpVolume;
  return {
    ok: true,
    value: {
      hmcName,
      description: partitionDescription(subsetName, cr.spec.description),
      ifls: cr.spec.processors.ifls,
      processorMode: cr.spec.processors.mode === 'Dedicated' ? 'dedicated' : 'shared',
      initialMemoryMiB: cr.spec.memory.initialMiB,
      maximumMemoryMiB: cr.spec.memory.maximumMiB,
      powerState: cr.spec.powerState ?? 'Active',
      boot:
        cr.spec.boot?.type === 'FcpVolume' && fcp
          ? {
              type: 'FcpVolume',
              hba: fcp.hbaRef
                ? { crName: fcp.hbaRef.name }
                : {
                    adapterPortUri: `/api/adapters/${fcp.adapterPort?.adapterObjectId}/storage-ports/${fcp.adapterPort?.port}`,
                  },
              targetWwpn: fcp.targetWwpn,
              lun: fcp.lun,
            }
          : { type: 'None' },
      kernelParameters: cr.spec.kernelParameters,
      updateStrategy: cr.spec.updateStrategy ?? 'WhileStopped',
      nics: desiredNics,
      hbas: desiredHbas,
    },
  };
}
