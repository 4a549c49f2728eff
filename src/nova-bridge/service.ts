// The nova-compute Service record and its ComputeNode: registration, heartbeat every report_interval
// and the CPC subset's resources reported as nova-dpm did.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { CpcSubset } from '../crds/cpcsubset.js';
import type { Partition } from '../crds/partition.js';
import type { ConductorClient } from './conductor-client.js';
import { RemoteRpcError } from './errors.js';
import { adminContext } from './instance-state.js';
import { isNovaObject, makeObject, withChanges, applyUpdates, type NovaObjectPrimitive } from './objects.js';
import { providerInventory, type PlacementClient } from './placement.js';

export const BINARY = 'nova-compute';
export const COMPUTE_TOPIC = 'compute';
/** nova.objects.service.SERVICE_VERSION reported by default (68 = 2025.1 Epoxy, compute RPC 6.4). */
export const DEFAULT_SERVICE_VERSION = 68;

/** `2.13.1` -> 2013001 (nova-dpm's hypervisor_version). */
export function hypervisorVersion(seVersion: string): number {
  const [a = 0, b = 0, c = 0] = seVersion.split('.').map((x) => Number.parseInt(x, 10) || 0);
  return a * 1_000_000 + b * 1000 + c;
}

/** A stable ComputeNode uuid for a host (survives restarts without local state). */
export function computeNodeUuid(host: string): string {
  const h = createHash('sha1').update(`dpm-operator nova-bridge compute node ${host}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * ComputeNode fields of a CPC subset (pure): vcpus = maxProcessors, memory_mb = maxMemoryMiB,
 * vcpus_used = MAX of the partitions' IFLs (shared IFLs), memory_mb_used = SUM of initial memory.
 */
export function computeNodeResources(
  subset: Pick<CpcSubset, 'spec'>,
  partitions: readonly Pick<Partition, 'spec'>[],
  host: string,
  seVersion: string,
): Record<string, unknown> {
  const vcpus = subset.spec.limits.maxProcessors;
  const memoryMb = subset.spec.limits.maxMemoryMiB;
  const vcpusUsed = partitions.reduce((m, p) => Math.max(m, p.spec.processors.ifls), 0);
  const memoryUsed = partitions.reduce((s, p) => s + p.spec.memory.initialMiB, 0);
  return {
    uuid: computeNodeUuid(host),
    host,
    hypervisor_hostname: host,
    vcpus,
    memory_mb: memoryMb,
    local_gb: 0,
    vcpus_used: vcpusUsed,
    memory_mb_used: memoryUsed,
    local_gb_used: 0,
    free_ram_mb: memoryMb - memoryUsed,
    free_disk_gb: 0,
    disk_available_least: 0,
    running_vms: partitions.length,
    current_workload: 0,
    hypervisor_type: 'PRSM',
    hypervisor_version: hypervisorVersion(seVersion),
    cpu_info: JSON.stringify({ arch: 's390x' }),
    supported_hv_specs: [
      makeObject('HVSpec', { arch: 's390x', hv_type: 'baremetal', vm_mode: 'hvm' }, undefined, '1.2'),
    ],
    cpu_allocation_ratio: 1.0,
    ram_allocation_ratio: 1.0,
    disk_allocation_ratio: 1.0,
  };
}

export interface ServiceReporterOptions {
  conductor: ConductorClient;
  host: string;
  serviceVersion?: number;
  reportIntervalMs?: number;
  seVersion?: string;
  /** The subset, our partitions and the subset's partitions not created by Nova, read fresh at each report. */
  resources(): Promise<{
    subset: CpcSubset;
    partitions: readonly Partition[];
    foreign: readonly Partition[];
  }>;
  /** Placement, where the subset is a resource provider (absent: no provider is reported). */
  placement?: PlacementClient;
  log: Logger;
}

export class ServiceReporter {
  private service?: NovaObjectPrimitive;
  /** The ComputeNode's database id once known (Instance.compute_id). */
  get computeNodeId(): number | undefined {
    const id = this.node?.['nova_object.data'].id;
    return typeof id === 'number' ? id : undefined;
  }
  /** The ComputeNode uuid = the placement resource provider uuid. */
  get nodeUuid(): string {
    return String(this.node?.['nova_object.data'].uuid ?? computeNodeUuid(this.opts.host));
  }

  private node?: NovaObjectPrimitive;
  private timer?: NodeJS.Timeout;
  private reporting?: Promise<void>;

  constructor(private readonly opts: ServiceReporterOptions) {}

  /** Registers (or finds) the Service and ComputeNode, then heartbeats every report interval. */
  async start(): Promise<void> {
    await this.register();
    await this.reportResources();
    this.timer = setInterval(() => this.reportNow(), this.opts.reportIntervalMs ?? 10_000);
  }

  /**
   * A heartbeat and the resources now, unless a report is running. After a broker outage this is
   * called at once: the scheduler counts a host without a heartbeat for service_down_time (60 s) as
   * down, and an outage plus most of a report interval can reach that.
   */
  reportNow(): void {
    if (this.reporting) return;
    this.reporting = this.tick().finally(() => (this.reporting = undefined));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.reporting;
  }

  private async tick(): Promise<void> {
    try {
      await this.heartbeat();
      await this.reportResources();
    } catch (e) {
      this.opts.log.warn({ err: e }, 'service report failed');
    }
  }

  private async register(): Promise<void> {
    const { conductor, host } = this.opts;
    const ctx = adminContext();
    const found = await conductor.objectClassAction(ctx, 'Service', 'get_by_host_and_binary', [host, BINARY]);
    if (isNovaObject(found)) {
      this.service = found;
      // Report the version we speak now.
      await this.saveService({ version: this.opts.serviceVersion ?? DEFAULT_SERVICE_VERSION });
      return;
    }
    const data = {
      host,
      binary: BINARY,
      topic: COMPUTE_TOPIC,
      report_count: 0,
      version: this.opts.serviceVersion ?? DEFAULT_SERVICE_VERSION,
    };
    const obj = makeObject('Service', data);
    const r = await conductor.objectAction(ctx, obj, 'create');
    this.service = applyUpdates(obj, r.updates);
    this.opts.log.info({ host, id: r.updates.id }, 'registered nova-compute service');
  }

  /** set_host_enabled: Service.disabled (the scheduler's ComputeFilter skips a disabled host). */
  async setEnabled(enabled: boolean): Promise<void> {
    await this.saveService({ disabled: !enabled, disabled_reason: enabled ? null : 'set_host_enabled' });
  }

  private async heartbeat(): Promise<void> {
    const count = Number(this.service?.['nova_object.data'].report_count ?? 0);
    await this.saveService({ report_count: count + 1 });
  }

  private async saveService(updates: Record<string, unknown>): Promise<void> {
    const changed = withChanges(this.service!, updates);
    const r = await this.opts.conductor.objectAction(adminContext(), changed, 'save');
    this.service = applyUpdates(changed, r.updates);
  }

  private async reportResources(): Promise<void> {
    const { host } = this.opts;
    const { subset, partitions, foreign } = await this.opts.resources();
    await this.saveComputeNode(subset, partitions);
    await this.opts.placement?.report(this.nodeUuid, host, providerInventory(subset, foreign));
  }

  private async saveComputeNode(subset: CpcSubset, partitions: readonly Partition[]): Promise<void> {
    const { conductor, host } = this.opts;
    const ctx = adminContext();
    const fields = {
      ...computeNodeResources(
        subset,
        partitions,
        host,
        this.opts.seVersion ?? subset.status?.seVersion ?? '2.15.0',
      ),
      service_id: this.service?.['nova_object.data'].id ?? null,
    };
    if (!this.node) {
      try {
        const found = await conductor.objectClassAction(ctx, 'ComputeNode', 'get_by_host_and_nodename', [
          host,
          host,
        ]);
        if (isNovaObject(found)) this.node = found;
      } catch (e) {
        if (!(e instanceof RemoteRpcError && e.className === 'ComputeHostNotFound')) throw e;
      }
      if (!this.node) {
        const obj = makeObject('ComputeNode', fields);
        const r = await conductor.objectAction(ctx, obj, 'create');
        this.node = applyUpdates(obj, r.updates);
        return;
      }
    }
    const d = this.node['nova_object.data'];
    const changes = Object.fromEntries(
      // A found node keeps its uuid: it is the identity nova and placement know the host by.
      Object.entries(fields).filter(([k, v]) => k !== 'uuid' && JSON.stringify(d[k]) !== JSON.stringify(v)),
    );
    if (Object.keys(changes).length === 0) return;
    const changed = withChanges(this.node, changes);
    const r = await conductor.objectAction(ctx, changed, 'save');
    this.node = applyUpdates(changed, r.updates);
  }
}
