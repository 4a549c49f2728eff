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
  type PartitionStorageGroupStatus,
  type PartitionStoragePathStatus,
  type StorageGroup,
} from '../../crds/index.js';
import type { Reason } from '../../crds/reasons.js';
import type { HmcGateway } from '../hmc-gateway.js';
import type { KubeWriter } from '../kube.js';
import { hbaHmcName, nicDescription, nicHmcName, partitionDescription, partitionHmcName } from '../naming.js';
import type { EventSink, ReadCache } from '../outcome.js';
import type {
  DesiredBoot,
  DesiredHba,
  DesiredNic,
  DesiredPartition,
  DesiredStorageGroup,
  JobState,
  Observed,
  ObservedPartition,
  PendingJob,
} from './model.js';

/** Annotation written before a create is sent: "a partition of this name may exist on the HMC". */
export const ANNOTATION_CREATE_ATTEMPTED = 'dpm.operator.dev/create-attempted';

/** Without a completion notification, a pending job is read (GET) this long after it was submitted. */
export const JOB_POLL_MS = 60_000;

export interface PartitionDeps {
  partitions: ReadCache<Partition>;
  nics: ReadCache<PartitionNic>;
  hbas: ReadCache<PartitionHba>;
  subsets: ReadCache<CpcSubset>;
  /** StorageGroup resources (spec.storageGroups[].storageGroupRef); absent = none in this deployment. */
  storageGroups?: ReadCache<StorageGroup>;
  gatewayFor(subset: CpcSubset): Promise<HmcGateway>;
  writer: KubeWriter;
  events: EventSink;
  log: Logger;
  /** With a CpcSubset selector, a Partition of a subset not in the cache belongs to another operator. */
  ignoreUnknownSubsets?: boolean;
  now?: () => Date;
  /** Overrides JOB_POLL_MS (tests). */
  jobPollMs?: number;
  /** A Partition's NICs and HBAs from an index (the manager's); without it the namespace's lists are scanned. */
  childrenOf?(namespace: string, name: string): { nics: PartitionNic[]; hbas: PartitionHba[] };
}

export type Resolved<T> = { ok: true; value: T } | { ok: false; reason: Reason; message: string };

export interface PartitionSnapshot {
  kind: 'partition';
  key: string;
  cr: Partition;
  nics: PartitionNic[];
  hbas: PartitionHba[];
  /** Every Partition of the namespace (admission and adoption are decided on them); read when asked. */
  peers(): Partition[];
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
  /** status.storageGroups as observed this pass (undefined: not observed, keep what status has). */
  storageStatus?: PartitionStorageGroupStatus[];
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
  const { nics, hbas } = d.childrenOf?.(ns, name) ?? {
    nics: d.nics.list(ns).filter((n) => n.spec.partitionRef.name === name),
    hbas: d.hbas.list(ns).filter((h) => h.spec.partitionRef.name === name),
  };
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
    peers: () => d.partitions.list(ns),
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
    if (!deleting)
      snap.desired = await resolveDesired(cr, subset, snap.hmcName, nics, hbas, gw, cpcUri, d.storageGroups);
    let observed = knownUri ? await gw.getPartition(knownUri) : undefined;
    if (!observed && mayExist) {
      // Create guard: only the deterministic name can tell whether a create whose answer was lost happened.
      const ref = await gw.findPartitionByName(cpcUri, snap.hmcName);
      if (ref) observed = await gw.getPartition(ref.uri);
    }
    snap.observed = observed ? { kind: 'present', partition: observed } : { kind: 'absent' };
    if (observed && snap.desired?.ok)
      snap.storageStatus = await storageStatus(gw, cr, snap.desired.value, observed);
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
  if (gw.jobFinished(job.uri)) return { state: 'lost' }; // finished in an earlier pass; the cache lags
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
  storageGroups: ReadCache<StorageGroup> | undefined,
): Promise<Resolved<DesiredPartition>> {
  const subsetName = subset.metadata.name ?? '';
  const storageModel = subset.status?.storageModel;
  const liveHbas = hbas.filter((x) => !isDeleting(x));
  if (storageModel === 'StorageGroups' && liveHbas.length > 0) {
    return {
      ok: false,
      reason: 'HbaNotSupported',
      message:
        `PartitionHba ${liveHbas.map((h) => h.metadata.name).join(', ')}: CPC ${subset.status?.cpcName} has ` +
        'dpm-storage-management on, where HBAs do not exist; attach FCP storage with spec.storageGroups instead',
    };
  }
  const storage = await resolveStorage(cr, subset, gw, cpcUri, storageGroups);
  if (!storage.ok) return storage;
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
      storageGroups: storage.value.groups,
      ...(storage.value.boot ? { boot: storage.value.boot } : {}),
      ...(storageModel ? { storageModel } : {}),
    },
  };
}

interface ResolvedGroup extends DesiredStorageGroup {
  fulfillmentState?: string;
  /** A StorageGroup resource's paths of one partition, from its status (its controller reads the VSRs). */
  pathsOf?: (partitionUri: string) => PartitionStoragePathStatus[];
  /** uri, name, usage, fulfillment of the volumes; from the StorageGroup status or the HMC (cached). */
  volumes: () => Promise<{ uri?: string; name: string; usage?: string; fulfillmentState?: string }[]>;
}

/** spec.storageGroups to HMC URIs (StorageGroup resources from the cache, HMC names through the gateway). */
async function resolveStorage(
  cr: Partition,
  subset: CpcSubset,
  gw: HmcGateway,
  cpcUri: string,
  storageGroups: ReadCache<StorageGroup> | undefined,
): Promise<Resolved<{ groups: ResolvedGroup[]; boot?: DesiredBoot }>> {
  const entries = cr.spec.storageGroups ?? [];
  if (entries.length > 0 && subset.status?.storageModel === 'Hbas') {
    return {
      ok: false,
      reason: 'StorageManagementNotAvailable',
      message: `spec.storageGroups: CPC ${subset.status?.cpcName} has no dpm-storage-management (z13): use PartitionHba`,
    };
  }
  const ns = cr.metadata.namespace ?? '';
  const groups: ResolvedGroup[] = [];
  for (const [i, e] of entries.entries()) {
    if (e.storageGroupRef) {
      const ref = e.storageGroupRef.name;
      const sg = storageGroups?.get(ns, ref);
      if (!sg) {
        return {
          ok: false,
          reason: 'StorageGroupNotFound',
          message: `spec.storageGroups[${i}].storageGroupRef: no StorageGroup ${ref} in namespace ${ns}`,
        };
      }
      const uri = sg.status?.groupUri;
      if (!uri) {
        return { ok: false, reason: 'Pending', message: `StorageGroup ${ref} is not on the HMC yet` };
      }
      groups.push({
        label: ref,
        ref,
        uri,
        hmcName: sg.status?.hmcName ?? ref,
        fulfillmentState: sg.status?.fulfillmentState,
        pathsOf: (partitionUri) => {
          const name = sg.status?.attachedPartitions?.find((a) => a.uri === partitionUri)?.name;
          return (sg.status?.paths ?? [])
            .filter((p) => p.partition === partitionUri || (name !== undefined && p.partition === name))
            .map((p) => ({ deviceNumber: p.deviceNumber, wwpn: p.wwpn, adapterPortUri: p.adapterPortUri }));
        },
        // The StorageGroup's spec is authoritative for names and usages; its status adds URI and fulfillment.
        volumes: () =>
          Promise.resolve(
            (sg.spec.volumes ?? []).map((v) => {
              const seen = sg.status?.volumes?.find((x) => x.name === v.name);
              return { ...seen, name: v.name, usage: v.usage ?? 'data' };
            }),
          ),
      });
    } else if (e.name) {
      const name = e.name;
      const uri = await gw.storageGroupByName(cpcUri, name);
      if (!uri) {
        return {
          ok: false,
          reason: 'StorageGroupNotFound',
          message: `spec.storageGroups[${i}].name: CPC ${subset.status?.cpcName} has no storage group ${name}`,
        };
      }
      groups.push({ label: name, uri, hmcName: name, volumes: () => gw.storageVolumes(uri) });
    }
  }
  const sv = cr.spec.boot?.type === 'StorageVolume' ? cr.spec.boot.storageVolume : undefined;
  if (!sv) return { ok: true, value: { groups } };
  const label = sv.storageGroupRef?.name ?? sv.storageGroupName ?? '';
  const group = groups.find((g) => g.label === label && Boolean(g.ref) === Boolean(sv.storageGroupRef));
  const vol = group && (await group.volumes()).find((v) => v.name === sv.volume);
  if (!group || !vol) {
    return {
      ok: false,
      reason: 'BootVolumeNotFound',
      message: `spec.boot.storageVolume.volume: storage group ${label} has no volume ${sv.volume}`,
    };
  }
  if (vol.usage !== 'boot') {
    return {
      ok: false,
      reason: 'BootVolumeNotBoot',
      message: `spec.boot.storageVolume.volume: volume ${sv.volume} of storage group ${label} has usage ${vol.usage}, not boot`,
    };
  }
  if (!vol.uri) {
    return {
      ok: false,
      reason: 'Pending',
      message: `volume ${sv.volume} of StorageGroup ${label} is being created`,
    };
  }
  return {
    ok: true,
    value: {
      groups,
      boot: {
        type: 'StorageVolume',
        volumeUri: vol.uri,
        volumeName: sv.volume,
        groupLabel: label,
        fulfillmentState: vol.fulfillmentState ?? 'pending',
      },
    },
  };
}

/**
 * status.storageGroups: each listed group with its fulfillment and, once attached, the partition's paths
 * (device number + virtual WWPN to zone). A StorageGroup resource's paths come from its status; a group
 * named by HMC name has them read once per attachment (one request), then kept until a VSR notification
 * concerns them (a renumbered device).
 * Groups this operator attached that the spec dropped stay listed while attached (so they get detached).
 */
async function storageStatus(
  gw: HmcGateway,
  cr: Partition,
  d: DesiredPartition,
  o: ObservedPartition,
): Promise<PartitionStorageGroupStatus[]> {
  const prev = cr.status?.storageGroups ?? [];
  const out: PartitionStorageGroupStatus[] = [];
  for (const g of d.storageGroups as ResolvedGroup[]) {
    const attached = o.storageGroupUris.includes(g.uri);
    const before = prev.find((p) => p.uri === g.uri);
    const paths = !attached
      ? []
      : g.pathsOf
        ? g.pathsOf(o.uri)
        : before?.attached && before.paths?.length && !gw.storagePathsChanged(g.uri, o.uri)
          ? before.paths
          : await gw.storagePaths(g.uri, o.uri);
    let fulfillmentState = g.fulfillmentState;
    if (!fulfillmentState) {
      const vols = await g.volumes();
      fulfillmentState = vols.every((v) => v.fulfillmentState === 'complete') ? 'complete' : 'pending';
    }
    out.push({
      name: g.hmcName,
      ...(g.ref ? { storageGroupRef: g.ref } : {}),
      uri: g.uri,
      fulfillmentState,
      attached,
      paths,
    });
  }
  for (const p of prev) {
    if (p.uri && o.storageGroupUris.includes(p.uri) && !out.some((x) => x.uri === p.uri)) {
      out.push({ ...p, attached: true });
    }
  }
  return out;
}
