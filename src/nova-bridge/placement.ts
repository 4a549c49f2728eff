// The CPC subset as a placement resource provider, as nova-compute's resource tracker keeps it:
// the provider (uuid = the ComputeNode uuid, name = the host), its VCPU and MEMORY_MB inventory and
// its traits, kept current; and the allocation of a deleted instance removed.
import type { CpcSubset } from '../crds/cpcsubset.js';
import type { Partition } from '../crds/partition.js';
import { HttpError, OpenStackHttp, type ServiceEndpoint } from './openstack-http.js';

/** Microversion spoken (1.39: `in_tree` filters, consumer types; nova 32 uses up to 1.39). */
export const PLACEMENT_MICROVERSION = 'placement 1.39';

/** Traits every DPM compute host carries (HW_ARCH_S390X is standard; the others are ours). */
export const DPM_TRAITS = ['COMPUTE_NODE', 'HW_ARCH_S390X', 'CUSTOM_DPM_PARTITION', 'CUSTOM_HYPERVISOR_PRSM'];

export interface Inventory {
  total: number;
  reserved: number;
  min_unit: number;
  max_unit: number;
  step_size: number;
  allocation_ratio: number;
}

/**
 * The provider inventory of a subset (pure). VCPU = the subset's maxProcessors IFLs, MEMORY_MB its
 * maxMemoryMiB; what the subset's partitions not created by Nova use is reserved (placement adds
 * allocations up, so reservations add up too), capped at the total.
 */
export function providerInventory(
  subset: Pick<CpcSubset, 'spec'>,
  foreign: readonly Pick<Partition, 'spec'>[],
): Record<'VCPU' | 'MEMORY_MB', Inventory> {
  const { maxProcessors, maxMemoryMiB } = subset.spec.limits;
  const ifls = foreign.reduce((s, p) => s + p.spec.processors.ifls, 0);
  const mem = foreign.reduce((s, p) => s + p.spec.memory.initialMiB, 0);
  const inv = (total: number, reserved: number): Inventory => ({
    total,
    reserved: Math.min(total, reserved),
    min_unit: 1,
    max_unit: total,
    step_size: 1,
    allocation_ratio: 1.0,
  });
  return { VCPU: inv(maxProcessors, ifls), MEMORY_MB: inv(maxMemoryMiB, mem) };
}

interface Provider {
  uuid: string;
  generation: number;
}

export class PlacementClient {
  private readonly http: OpenStackHttp;

  constructor(ep: ServiceEndpoint) {
    this.http = new OpenStackHttp({
      ...ep,
      headers: { 'OpenStack-API-Version': PLACEMENT_MICROVERSION, ...ep.headers },
    });
  }

  /** The provider of `uuid`, created (with `name`) when absent. */
  async ensureProvider(uuid: string, name: string): Promise<Provider> {
    const found = await this.http.requestOrAbsent<Provider>('GET', `/resource_providers/${uuid}`);
    if (found) return found;
    const r = await this.http.request<Provider>('POST', '/resource_providers', { uuid, name });
    return r.json;
  }

  /** Sets the inventory unless it is already so; returns the provider's new generation. */
  async setInventory(p: Provider, inventories: Record<string, Inventory>): Promise<Provider> {
    const cur = await this.http.request<{
      resource_provider_generation: number;
      inventories: Record<string, Inventory>;
    }>('GET', `/resource_providers/${p.uuid}/inventories`);
    const generation = cur.json.resource_provider_generation;
    if (sameInventory(cur.json.inventories, inventories)) return { uuid: p.uuid, generation };
    const r = await this.http.request<{ resource_provider_generation: number }>(
      'PUT',
      `/resource_providers/${p.uuid}/inventories`,
      { resource_provider_generation: generation, inventories },
    );
    return { uuid: p.uuid, generation: r.json.resource_provider_generation };
  }

  /** Sets the provider's traits (custom ones created first) unless they are already set. */
  async setTraits(p: Provider, traits: readonly string[]): Promise<Provider> {
    const cur = await this.http.request<{ resource_provider_generation: number; traits: string[] }>(
      'GET',
      `/resource_providers/${p.uuid}/traits`,
    );
    const generation = cur.json.resource_provider_generation;
    if ([...cur.json.traits].sort().join() === [...traits].sort().join()) return { uuid: p.uuid, generation };
    for (const t of traits.filter((x) => x.startsWith('CUSTOM_')))
      await this.http.request('PUT', `/traits/${t}`);
    const r = await this.http.request<{ resource_provider_generation: number }>(
      'PUT',
      `/resource_providers/${p.uuid}/traits`,
      { resource_provider_generation: generation, traits },
    );
    return { uuid: p.uuid, generation: r.json.resource_provider_generation };
  }

  /** The allocations of a consumer (instance) by provider uuid; {} when none. */
  async allocations(consumer: string): Promise<Record<string, { resources: Record<string, number> }>> {
    const r = await this.http.request<{ allocations: Record<string, { resources: Record<string, number> }> }>(
      'GET',
      `/allocations/${consumer}`,
    );
    return r.json.allocations;
  }

  /** Removes an instance's allocations (a 404 means there were none). */
  async deleteAllocations(consumer: string): Promise<void> {
    await this.http.requestOrAbsent('DELETE', `/allocations/${consumer}`);
  }

  /** Keeps the provider's inventory and traits current; retries once on a generation conflict. */
  async report(
    uuid: string,
    name: string,
    inventories: Record<string, Inventory>,
    traits: readonly string[] = DPM_TRAITS,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        let p = await this.ensureProvider(uuid, name);
        p = await this.setInventory(p, inventories);
        await this.setTraits(p, traits);
        return;
      } catch (e) {
        if (attempt === 0 && e instanceof HttpError && e.status === 409) continue;
        throw e;
      }
    }
  }
}

function sameInventory(a: Record<string, Inventory>, b: Record<string, Inventory>): boolean {
  const keys = Object.keys(b);
  if (Object.keys(a).length !== keys.length) return false;
  return keys.every((k) => {
    const x = a[k];
    const y = b[k]!;
    return !!x && (Object.keys(y) as (keyof Inventory)[]).every((f) => x[f] === y[f]);
  });
}
