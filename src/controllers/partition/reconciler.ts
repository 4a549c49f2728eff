// The Partition reconciler: one Partition with its PartitionNics and PartitionHbas is one tree.
// read desired (caches) -> read observed (HMC, cached) -> plan (pure) -> one action -> status -> outcome.
import type { Logger } from 'pino';
import {
  ANNOTATION_PAUSED,
  ANNOTATION_RECONCILE_REQUESTED_AT,
  FINALIZER,
  PLURAL,
  setCondition,
  type Condition,
  type CpcSubset,
  type Partition,
  type PartitionHba,
  type PartitionNic,
  type PartitionPhase,
  type PartitionStatus,
} from '../../crds/index.js';
import { HmcHttpError, JobFailedError, isWrongState } from '../../hmc/errors.js';
import type { HmcGateway } from '../hmc-gateway.js';
import type { KubeWriter } from '../kube.js';
import {
  hbaHmcName,
  nicDescription,
  nicHmcName,
  partitionDescription,
  partitionHmcName,
  normalizeMac,
} from '../naming.js';
import { done, requeue, type EventSink, type Outcome, type ReadCache } from '../outcome.js';
import { admit } from './admission.js';
import type { Action, DesiredHba, DesiredNic, DesiredPartition, ObservedPartition } from './model.js';
import { planDeletion, planPartition } from './plan.js';

export interface PartitionReconcilerDeps {
  partitions: ReadCache<Partition>;
  nics: ReadCache<PartitionNic>;
  hbas: ReadCache<PartitionHba>;
  subsets: ReadCache<CpcSubset>;
  gatewayFor(subset: CpcSubset): Promise<HmcGateway>;
  writer: KubeWriter;
  events: EventSink;
  log: Logger;
  /** Partition object-uri -> work-queue key, for routing HMC notifications. */
  uriIndex: Map<string, string>;
  /** With a CpcSubset selector, a Partition of a subset not in the cache belongs to another operator. */
  ignoreUnknownSubsets?: boolean;
  now?: () => Date;
}

/** How long to wait for a notification before looking again anyway (a safety net, not polling). */
const WAIT_RECHECK_MS = 30_000;
const SUBSET_NOT_READY_RECHECK_MS = 15_000;

class Blocked extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

function isDeleting(o: { metadata: { deletionTimestamp?: unknown } }): boolean {
  return Boolean(o.metadata.deletionTimestamp);
}

function phaseOf(action: Action, observed: ObservedPartition | undefined, deleting: boolean): PartitionPhase {
  if (deleting) return 'Deleting';
  switch (action.kind) {
    case 'create-partition':
      return 'Creating';
    case 'start':
      return 'Starting';
    case 'stop':
      return 'Stopping';
    case 'update-partition':
    case 'create-hba':
    case 'delete-hba':
    case 'create-nic':
    case 'update-nic':
    case 'delete-nic':
      return 'Configuring';
    default:
  }
  const s = observed?.status;
  if (s === 'starting') return 'Starting';
  if (s === 'stopping') return 'Stopping';
  if (s === 'active' || s === 'degraded' || s === 'paused')
    return action.kind === 'blocked' ? 'Failed' : 'Running';
  if (s === 'stopped' || s === 'reservation-error') return 'Stopped';
  if (s === 'terminated') return 'Failed';
  return observed ? 'Pending' : 'Pending';
}

function powerStateOf(s: string | undefined): PartitionStatus['powerState'] {
  if (s === 'active' || s === 'degraded') return 'Active';
  if (s === 'stopped' || s === 'paused' || s === 'reservation-error') return 'Stopped';
  if (s === 'starting' || s === 'stopping') return 'Transitioning';
  return 'Unknown';
}

export class PartitionReconciler {
  private readonly now: () => Date;
  /** Partition key -> object-uri of a partition this process created and has not yet seen in the cache. */
  private readonly created = new Map<string, string>();

  constructor(private readonly deps: PartitionReconcilerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async reconcile(key: string): Promise<Outcome> {
    const [ns = '', name = ''] = key.split('/');
    const d = this.deps;
    const cr = d.partitions.get(ns, name);
    const nics = d.nics.list(ns).filter((n) => n.spec.partitionRef.name === name);
    const hbas = d.hbas.list(ns).filter((h) => h.spec.partitionRef.name === name);
    if (!cr) {
      // The Partition is gone: children being deleted must not stay stuck on our finalizer.
      await this.releaseChildren(nics.filter(isDeleting), hbas.filter(isDeleting));
      await this.markOrphanedChildren(
        name,
        nics.filter((n) => !isDeleting(n)),
        hbas.filter((h) => !isDeleting(h)),
      );
      for (const [uri, k] of d.uriIndex) if (k === key) d.uriIndex.delete(uri);
      return done;
    }
    if (cr.metadata.annotations?.[ANNOTATION_PAUSED] === 'true') return done;
    const log = d.log.child({ partition: key, uid: cr.metadata.uid });

    const subset = d.subsets.get(ns, cr.spec.cpcSubsetRef.name);
    if (!subset && d.ignoreUnknownSubsets) return done;
    const cpcUri = subset?.status?.cpcUri;
    const subsetReady = subset?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    if (!subset || !cpcUri || !subsetReady) {
      if (isDeleting(cr) && (!cr.status?.partitionUri || cr.spec.deletionPolicy === 'Orphan')) {
        return this.finishDeletion(cr, nics, hbas);
      }
      const reason = subset ? 'CpcSubsetNotReady' : 'CpcSubsetNotFound';
      await this.writeStatus(cr, {
        phase: cr.status?.phase ?? 'Pending',
        conditions: this.conds(cr, [
          [
            'Ready',
            'False',
            reason,
            `CpcSubset ${cr.spec.cpcSubsetRef.name} is ${subset ? 'not ready' : 'missing'}`,
          ],
          ['Synced', 'False', reason, 'waiting for the CpcSubset'],
        ]),
      });
      return requeue(SUBSET_NOT_READY_RECHECK_MS);
    }

    const subsetName = subset.metadata.name ?? '';
    const hmcName = cr.spec.adoptPartitionName ?? partitionHmcName(subsetName, cr.metadata.uid ?? '');
    if (isDeleting(cr)) {
      if (!cr.metadata.finalizers?.includes(FINALIZER)) return done;
      // Orphan needs no HMC at all: it is also the escape hatch when the HMC is gone for good.
      if (cr.spec.deletionPolicy === 'Orphan') {
        d.events.normal(cr, 'Orphaned', `HMC partition ${hmcName} left in place (deletionPolicy Orphan)`);
        return this.finishDeletion(cr, nics, hbas);
      }
    }
    const gw = await d.gatewayFor(subset);
    try {
      // The informer may not show the partitionUri we recorded a moment ago yet: remember it here too.
      if (cr.status?.partitionUri) this.created.delete(key);
      const knownUri = cr.status?.partitionUri ?? this.created.get(key);
      let observed = knownUri ? await gw.getPartition(knownUri) : undefined;
      if (!observed) {
        // Create guard: the deterministic name finds a partition whose create result was lost (crash, timeout).
        const ref = await gw.findPartitionByName(cpcUri, hmcName);
        if (ref) observed = await gw.getPartition(ref.uri);
      }
      if (observed) d.uriIndex.set(observed.uri, key);

      if (isDeleting(cr)) {
        const action = planDeletion(observed);
        if (action.kind === 'in-sync') return this.finishDeletion(cr, nics, hbas);
        await this.writeStatus(cr, this.statusFrom(cr, observed, action, true, nics, hbas));
        return this.perform(action, cr, observed, gw, cpcUri, log);
      }

      if (cr.spec.adoptPartitionName && observed && !cr.status?.partitionUri)
        this.checkAdoptable(cr, observed, subsetName);

      if (await d.writer.addFinalizer({ plural: PLURAL.Partition, namespace: ns, name }, cr)) {
        return done; // the update event brings us back with the finalizer in the cache
      }

      if (!observed) {
        if (cr.spec.adoptPartitionName) {
          throw new Blocked(
            'AdoptionFailed',
            `spec.adoptPartitionName: no partition ${hmcName} on CPC ${subset.status?.cpcName}`,
          );
        }
        const verdict = admit(subset, d.partitions.list(ns), cr);
        if (!verdict.admitted)
          throw new Blocked('LimitExceeded', verdict.message ?? 'CpcSubset limits exceeded');
      }

      const desired = await this.desired(cr, subset, hmcName, nics, hbas, gw, cpcUri);
      const action = planPartition(desired, observed);
      if (action.kind === 'blocked') throw new Blocked(action.reason, action.message);
      await this.writeStatus(cr, this.statusFrom(cr, observed, action, false, nics, hbas));
      await this.writeChildStatuses(observed, nics, hbas);
      if (action.kind === 'in-sync') return done;
      return await this.perform(action, cr, observed, gw, cpcUri, log);
    } catch (e) {
      return this.fail(e, cr, gw, log);
    }
  }

  /**
   * Adoption takes only what nobody owns: not a partition of another CpcSubset (nova-dpm description
   * convention), not one another Partition resource already manages.
   */
  private checkAdoptable(cr: Partition, observed: ObservedPartition, subsetName: string): void {
    const owner = /^OpenStack CPCSubset=(\S+)/.exec(observed.description)?.[1];
    if (owner && owner !== subsetName) {
      throw new Blocked(
        'AdoptionFailed',
        `spec.adoptPartitionName: partition ${observed.name} belongs to CpcSubset ${owner}`,
      );
    }
    const other = this.deps.partitions
      .list()
      .find((p) => p.metadata.uid !== cr.metadata.uid && p.status?.partitionUri === observed.uri);
    if (other) {
      throw new Blocked(
        'AdoptionFailed',
        `spec.adoptPartitionName: partition ${observed.name} is already managed by Partition ` +
          `${other.metadata.namespace}/${other.metadata.name}`,
      );
    }
  }

  /** Desired state in HMC terms; resolves virtual switches (cached) and adapter port URIs. */
  private async desired(
    cr: Partition,
    subset: CpcSubset,
    hmcName: string,
    nics: PartitionNic[],
    hbas: PartitionHba[],
    gw: HmcGateway,
    cpcUri: string,
  ): Promise<DesiredPartition> {
    const subsetName = subset.metadata.name ?? '';
    const desiredNics: DesiredNic[] = [];
    for (const n of nics.filter((x) => !isDeleting(x))) {
      const vs = n.spec.virtualSwitch;
      let vsUri: string | undefined;
      if (vs.objectId) vsUri = `/api/virtual-switches/${vs.objectId}`;
      else if (vs.adapterObjectId !== undefined && vs.port !== undefined) {
        vsUri = await gw.virtualSwitchFor(cpcUri, vs.adapterObjectId, vs.port);
      }
      if (!vsUri) {
        throw new Blocked(
          'VirtualSwitchNotFound',
          `PartitionNic ${n.metadata.name} spec.virtualSwitch: no virtual switch for adapter ${vs.adapterObjectId} port ${vs.port}`,
        );
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
    const permitted = (a: { adapterObjectId?: string; port?: number } | undefined): boolean =>
      allowed.length === 0 ||
      allowed.some((x) => x.adapterObjectId === a?.adapterObjectId && x.port === a?.port);
    for (const h of hbas.filter((x) => !isDeleting(x))) {
      if (!permitted(h.spec.adapterPort)) {
        throw new Blocked(
          'AdapterNotFound',
          `PartitionHba ${h.metadata.name} spec.adapterPort ${h.spec.adapterPort.adapterObjectId}:${h.spec.adapterPort.port} ` +
            `is not in CpcSubset ${subsetName} spec.storageAdapterPorts`,
        );
      }
    }
    const desiredHbas: DesiredHba[] = hbas
      .filter((h) => !isDeleting(h))
      .map((h) => ({
        crName: h.metadata.name ?? '',
        hmcName: hbaHmcName(h.metadata.uid ?? ''),
        adapterPortUri: `/api/adapters/${h.spec.adapterPort.adapterObjectId}/storage-ports/${h.spec.adapterPort.port}`,
        deviceNumber: h.spec.deviceNumber,
      }));
    const fcp = cr.spec.boot?.fcpVolume;
    return {
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
    };
  }

  /** Performs exactly one HMC action, with its Event. */
  private async perform(
    action: Action,
    cr: Partition,
    observed: ObservedPartition | undefined,
    gw: HmcGateway,
    cpcUri: string,
    log: Logger,
  ): Promise<Outcome> {
    const d = this.deps;
    const ref = {
      plural: PLURAL.Partition,
      namespace: cr.metadata.namespace ?? '',
      name: cr.metadata.name ?? '',
    };
    const puri = observed?.uri ?? '';
    log.info({ action: action.kind }, 'HMC action');
    switch (action.kind) {
      case 'create-partition': {
        const uri = await gw.createPartition(cpcUri, action.props);
        // Record the stable id at once (a crash now still finds it by name, but this saves the lookup).
        this.created.set(`${ref.namespace}/${ref.name}`, uri);
        await d.writer.patchStatus(ref, { partitionUri: uri, hmcName: String(action.props.name) });
        d.uriIndex.set(uri, `${ref.namespace}/${ref.name}`);
        d.events.normal(cr, 'Created', `created HMC partition ${action.props.name} (${uri})`);
        return requeue(0);
      }
      case 'update-partition':
        await gw.update(puri, action.props);
        d.events.normal(cr, 'Updated', `updated ${Object.keys(action.props).join(', ')} (${action.why})`);
        return requeue(0);
      case 'start':
        await gw.operation(puri, 'start');
        d.events.normal(cr, 'Started', `started HMC partition ${observed?.name}`);
        return requeue(0);
      case 'stop':
        await gw.operation(puri, 'stop');
        d.events.normal(cr, 'Stopped', `stopped HMC partition ${observed?.name} (${action.why})`);
        return requeue(0);
      case 'delete-partition':
        await gw.deletePartition(puri);
        this.created.delete(`${ref.namespace}/${ref.name}`);
        d.uriIndex.delete(puri);
        d.events.normal(cr, 'Deleted', `deleted HMC partition ${observed?.name}`);
        return requeue(0);
      case 'create-hba': {
        const child = d.hbas.get(ref.namespace, action.hba.crName);
        if (
          child &&
          (await d.writer.addFinalizer(
            { plural: PLURAL.PartitionHba, namespace: ref.namespace, name: action.hba.crName },
            child,
          ))
        ) {
          return requeue(0);
        }
        const props: Record<string, string> = {
          name: action.hba.hmcName,
          'adapter-port-uri': action.hba.adapterPortUri,
        };
        if (action.hba.deviceNumber)
          props['device-number'] = action.hba.deviceNumber.toLowerCase().padStart(4, '0');
        const uri = await gw.createHba(puri, props);
        d.events.normal(cr, 'HbaCreated', `created HBA ${action.hba.crName} (${uri})`);
        return requeue(0);
      }
      case 'create-nic': {
        const child = d.nics.get(ref.namespace, action.nic.crName);
        if (
          child &&
          (await d.writer.addFinalizer(
            { plural: PLURAL.PartitionNic, namespace: ref.namespace, name: action.nic.crName },
            child,
          ))
        ) {
          return requeue(0);
        }
        const props: Record<string, string | number> = {
          name: action.nic.hmcName,
          description: action.nic.description,
          'virtual-switch-uri': action.nic.virtualSwitchUri,
        };
        if (action.nic.deviceNumber)
          props['device-number'] = action.nic.deviceNumber.toLowerCase().padStart(4, '0');
        if (action.nic.vlanId !== undefined) {
          props['vlan-id'] = action.nic.vlanId;
          props['vlan-type'] = 'enforced';
        }
        props['mac-address'] = normalizeMac(action.nic.mac);
        const uri = await gw.createNic(puri, props);
        d.events.normal(cr, 'NicCreated', `created NIC ${action.nic.crName} (${uri})`);
        return requeue(0);
      }
      case 'update-nic':
        await gw.update(action.uri, action.props);
        d.events.normal(
          cr,
          'NicUpdated',
          `updated NIC ${action.crName}: ${Object.keys(action.props).join(', ')}`,
        );
        return requeue(0);
      case 'delete-hba':
      case 'delete-nic':
        await gw.deleteElement(action.uri);
        d.events.normal(
          cr,
          action.kind === 'delete-nic' ? 'NicDeleted' : 'HbaDeleted',
          `deleted ${action.name}`,
        );
        await this.releaseChildren(
          d.nics
            .list(ref.namespace)
            .filter((n) => isDeleting(n) && nicHmcName(n.metadata.uid ?? '') === action.name),
          d.hbas
            .list(ref.namespace)
            .filter((h) => isDeleting(h) && hbaHmcName(h.metadata.uid ?? '') === action.name),
        );
        return requeue(0);
      case 'wait':
        return requeue(WAIT_RECHECK_MS);
      case 'blocked':
      case 'in-sync':
        return done;
    }
  }

  private async finishDeletion(cr: Partition, nics: PartitionNic[], hbas: PartitionHba[]): Promise<Outcome> {
    await this.releaseChildren(nics, hbas);
    for (const [uri, k] of this.deps.uriIndex) {
      if (k === `${cr.metadata.namespace}/${cr.metadata.name}`) this.deps.uriIndex.delete(uri);
    }
    await this.deps.writer.removeFinalizer(
      { plural: PLURAL.Partition, namespace: cr.metadata.namespace ?? '', name: cr.metadata.name ?? '' },
      cr,
    );
    return done;
  }

  /** NICs and HBAs whose Partition does not exist say so (once), instead of staying silently Pending. */
  private async markOrphanedChildren(
    partition: string,
    nics: PartitionNic[],
    hbas: PartitionHba[],
  ): Promise<void> {
    const message = `Partition ${partition} not found (spec.partitionRef.name)`;
    for (const [plural, child] of [
      ...nics.map((n) => [PLURAL.PartitionNic, n] as const),
      ...hbas.map((h) => [PLURAL.PartitionHba, h] as const),
    ]) {
      const ready = child.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.reason === 'PartitionNotFound') continue;
      const conditions = setCondition(
        child.status?.conditions,
        {
          type: 'Ready',
          status: 'False',
          reason: 'PartitionNotFound',
          message,
          observedGeneration: child.metadata.generation,
        },
        this.now(),
      );
      await this.deps.writer.patchStatus(
        { plural, namespace: child.metadata.namespace ?? '', name: child.metadata.name ?? '' },
        { conditions, elementUri: null, deviceNumber: null },
      );
    }
  }

  private async releaseChildren(nics: PartitionNic[], hbas: PartitionHba[]): Promise<void> {
    for (const n of nics) {
      await this.deps.writer.removeFinalizer(
        { plural: PLURAL.PartitionNic, namespace: n.metadata.namespace ?? '', name: n.metadata.name ?? '' },
        n,
      );
    }
    for (const h of hbas) {
      await this.deps.writer.removeFinalizer(
        { plural: PLURAL.PartitionHba, namespace: h.metadata.namespace ?? '', name: h.metadata.name ?? '' },
        h,
      );
    }
  }

  private conds(cr: Partition, list: [string, 'True' | 'False' | 'Unknown', string, string][]): Condition[] {
    let out = cr.status?.conditions;
    for (const [type, status, reason, message] of list) {
      out = setCondition(
        out,
        { type, status, reason, message, observedGeneration: cr.metadata.generation },
        this.now(),
      );
    }
    return out ?? [];
  }

  private statusFrom(
    cr: Partition,
    observed: ObservedPartition | undefined,
    action: Action,
    deleting: boolean,
    nics: PartitionNic[],
    hbas: PartitionHba[],
  ): PartitionStatus {
    const inSync = action.kind === 'in-sync';
    const phase = phaseOf(action, observed, deleting);
    const nicByName = new Map(observed?.nics.map((n) => [n.name, n]));
    const hbaByName = new Map(observed?.hbas.map((h) => [h.name, h]));
    const message = inSync
      ? `HMC status ${observed?.status}`
      : action.kind === 'wait'
        ? action.message
        : `next: ${action.kind}`;
    return {
      partitionUri: observed?.uri ?? cr.status?.partitionUri,
      hmcName: observed?.name ?? cr.status?.hmcName,
      hmcStatus: observed?.status,
      powerState: powerStateOf(observed?.status),
      phase,
      nics: nics.map((n) => ({
        name: n.metadata.name ?? '',
        deviceNumber: nicByName.get(nicHmcName(n.metadata.uid ?? ''))?.deviceNumber,
        mac: normalizeMac(n.spec.mac),
        port: n.spec.port ?? 0,
      })),
      hbas: hbas.map((h) => ({
        name: h.metadata.name ?? '',
        wwpn: hbaByName.get(hbaHmcName(h.metadata.uid ?? ''))?.wwpn,
        deviceNumber: hbaByName.get(hbaHmcName(h.metadata.uid ?? ''))?.deviceNumber,
      })),
      bootOsSpecificParameters: observed?.bootOsSpecificParameters,
      observedGeneration: cr.metadata.generation,
      lastHandledReconcileAt:
        cr.metadata.annotations?.[ANNOTATION_RECONCILE_REQUESTED_AT] ?? cr.status?.lastHandledReconcileAt,
      errorCount: 0,
      conditions: this.conds(cr, [
        ['Ready', inSync ? 'True' : 'False', inSync ? 'Available' : phase, message],
        [
          'Synced',
          'True',
          'ReconcileSuccess',
          inSync ? 'in sync with the HMC' : `in progress: ${action.kind}`,
        ],
      ]),
    };
  }

  /** Writes status only when it changed (a no-op reconcile costs no API write and triggers no event). */
  private async writeStatus(cr: Partition, status: PartitionStatus): Promise<void> {
    const before = JSON.stringify({
      ...cr.status,
      conditions: undefined,
      c: cr.status?.conditions?.map(stripTime),
    });
    const after = JSON.stringify({
      ...cr.status,
      ...status,
      conditions: undefined,
      c: status.conditions?.map(stripTime),
    });
    if (before === after) return;
    await this.deps.writer.patchStatus(
      { plural: PLURAL.Partition, namespace: cr.metadata.namespace ?? '', name: cr.metadata.name ?? '' },
      status,
    );
  }

  private async writeChildStatuses(
    observed: ObservedPartition | undefined,
    nics: PartitionNic[],
    hbas: PartitionHba[],
  ): Promise<void> {
    const w = this.deps.writer;
    for (const n of nics) {
      const o = observed?.nics.find((x) => x.name === nicHmcName(n.metadata.uid ?? ''));
      const ready = Boolean(o);
      const status = {
        elementUri: o?.uri,
        hmcName: o?.name,
        deviceNumber: o?.deviceNumber,
        observedGeneration: n.metadata.generation,
        conditions: setCondition(
          n.status?.conditions,
          {
            type: 'Ready',
            status: ready ? 'True' : 'False',
            reason: ready ? 'Available' : 'Pending',
            message: ready ? `device number ${o?.deviceNumber}` : 'not created on the HMC yet',
            observedGeneration: n.metadata.generation,
          },
          this.now(),
        ),
      };
      if (sameStatus(n.status, status)) continue;
      await w.patchStatus(
        { plural: PLURAL.PartitionNic, namespace: n.metadata.namespace ?? '', name: n.metadata.name ?? '' },
        status,
      );
    }
    for (const h of hbas) {
      const o = observed?.hbas.find((x) => x.name === hbaHmcName(h.metadata.uid ?? ''));
      const ready = Boolean(o);
      const status = {
        elementUri: o?.uri,
        hmcName: o?.name,
        wwpn: o?.wwpn,
        deviceNumber: o?.deviceNumber,
        observedGeneration: h.metadata.generation,
        conditions: setCondition(
          h.status?.conditions,
          {
            type: 'Ready',
            status: ready ? 'True' : 'False',
            reason: ready ? 'Available' : 'Pending',
            message: ready ? `WWPN ${o?.wwpn}` : 'not created on the HMC yet',
            observedGeneration: h.metadata.generation,
          },
          this.now(),
        ),
      };
      if (sameStatus(h.status, status)) continue;
      await w.patchStatus(
        { plural: PLURAL.PartitionHba, namespace: h.metadata.namespace ?? '', name: h.metadata.name ?? '' },
        status,
      );
    }
  }

  /** Failures become conditions and Events; transient ones are retried with backoff (thrown). */
  private async fail(e: unknown, cr: Partition, gw: HmcGateway, log: Logger): Promise<Outcome> {
    const ref = {
      plural: PLURAL.Partition,
      namespace: cr.metadata.namespace ?? '',
      name: cr.metadata.name ?? '',
    };
    if (e instanceof Blocked) {
      const already = cr.status?.conditions?.some(
        (c) => c.type === 'Ready' && c.reason === e.reason && c.message === e.message,
      );
      if (!already) this.deps.events.warning(cr, e.reason, e.message);
      await this.writeStatus(cr, {
        phase: cr.status?.partitionUri ? (cr.status?.phase ?? 'Pending') : 'Failed',
        observedGeneration: cr.metadata.generation,
        conditions: this.conds(cr, [
          ['Ready', 'False', e.reason, e.message],
          ['Synced', 'False', e.reason, e.message],
        ]),
      });
      return done; // waits for the user to change the spec (or for a related object to change)
    }
    if (cr.status?.partitionUri) gw.invalidate(cr.status.partitionUri);
    if (isWrongState(e)) {
      log.info({ err: (e as Error).message }, 'HMC state changed under us; re-reading');
      return requeue(1000);
    }
    const reason =
      e instanceof JobFailedError
        ? 'OperationFailed'
        : e instanceof HmcHttpError
          ? 'HmcError'
          : 'HmcUnreachable';
    const message = e instanceof Error ? e.message : String(e);
    log.warn({ err: message, reason }, 'reconcile failed');
    this.deps.events.warning(cr, reason, message);
    await this.deps.writer
      .patchStatus(ref, {
        errorCount: (cr.status?.errorCount ?? 0) + 1,
        conditions: this.conds(cr, [['Synced', 'False', reason, message]]),
      })
      .catch(() => undefined);
    throw e;
  }
}

function stripTime(c: Condition): Omit<Condition, 'lastTransitionTime'> {
  const { lastTransitionTime: _t, ...rest } = c;
  return rest;
}

function sameStatus(a: object | undefined, b: { conditions?: Condition[] }): boolean {
  const norm = (x: { conditions?: Condition[] } | undefined): string =>
    JSON.stringify({ ...x, conditions: x?.conditions?.map(stripTime) });
  return norm(a as { conditions?: Condition[] } | undefined) === norm(b);
}
