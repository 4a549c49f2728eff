// The block-device and spawn steps of a build on a CPC with storage groups (CpcSubset status.storageModel
// StorageGroups: z14 and later, where HBAs do not exist). The instance gets a StorageGroup of its own; the
// Partition lists it and boots from its volume; once the group is attached, the cinder attachment is
// completed with the virtual WWPNs of the partition's paths, and the volume's spec.fcpFulfillment is
// written from the connection info: the operator reports it to the HMC (Fulfill FCP Storage Volume) and
// the partition starts when the HMC says the volume is complete.
import type { Partition } from '../crds/partition.js';
import { isStuck } from '../crds/reasons.js';
import type { StorageGroup } from '../crds/storagegroup.js';
import type { CrStore } from './cr-store.js';
import type { FcConnection } from './objects.js';
import { devicesReady, isRunning, storagePaths } from './partition-state.js';
import { BOOT_VOLUME, resolveFulfillment, type DesiredResources, type SubsetView } from './translate.js';

export interface StorageGroupBuildDeps {
  store: CrStore;
  timeoutMs: number;
  /** Waits until `check` holds for the instance's Partition; rejects when the partition cannot get there. */
  waitForPartition(check: (p: Partition | undefined) => boolean): Promise<Partition | undefined>;
  /** Completes the boot volume's cinder attachment for these initiator WWPNs; its FC connection info. */
  connect(wwpns: string[]): Promise<FcConnection>;
  /** Moves the instance's task state from block_device_mapping to spawning. */
  spawning(): Promise<void>;
}

/** A message when the StorageGroup cannot reach its spec (a Ready condition that is not progressing). */
export function storageGroupFailure(g: StorageGroup | undefined): string | undefined {
  const bad = g?.status?.conditions?.find(
    (c) => c.type === 'Ready' && c.status === 'False' && isStuck(c.reason),
  );
  return bad ? `StorageGroup ${g?.metadata.name}: ${bad.reason}: ${bad.message ?? ''}`.trim() : undefined;
}

/** The boot volume's HMC URI is known: the group and its volume exist on the HMC. */
function onHmc(g: StorageGroup | undefined): boolean {
  return Boolean(g?.status?.groupUri && g.status.volumes?.some((v) => v.name === BOOT_VOLUME && v.uri));
}

/**
 * From the CRs to a running partition. `desired` comes from translateBuild on a StorageGroups subset
 * (storageGroup set, no HBAs); the Partition is created Stopped and set Active once the volume's
 * fulfillment is written.
 */
export async function buildOnStorageGroups(
  d: StorageGroupBuildDeps,
  desired: DesiredResources,
  subset: SubsetView,
): Promise<void> {
  const group = desired.storageGroup;
  if (!group) throw new Error('translateBuild gave no StorageGroup for a StorageGroups subset');
  const name = group.metadata.name;
  const uuid = desired.partition.metadata.name;
  await d.store.createStorageGroup(group);
  // The Partition names the group: it is created once the operator has the group on the HMC (the
  // operator refuses a Partition naming a StorageGroup it has not seen, and the bridge would stop there).
  const g = await d.store.waitForStorageGroup(
    name,
    (x) => onHmc(x) || storageGroupFailure(x) !== undefined,
    d.timeoutMs,
  );
  const failed = storageGroupFailure(g);
  if (failed && !onHmc(g)) throw new Error(failed);
  await d.store.createAbsent(desired);
  const nics = desired.nics.map((n) => n.metadata.name);
  const p = await d.waitForPartition((x) => devicesReady(x, nics, []) && storagePaths(x, name) !== undefined);
  const paths = storagePaths(p, name)!;
  const fulfillment = resolveFulfillment(await d.connect(paths.map((x) => x.wwpn)), paths, [
    ...subset.targetWwpnIgnoreList,
  ]);
  await d.store.patchStorageGroupSpec(name, {
    volumes: (group.spec.volumes ?? []).map((v) =>
      v.name === BOOT_VOLUME ? { ...v, fcpFulfillment: fulfillment } : v,
    ),
  });
  await d.spawning();
  await d.store.patchPartitionSpec(uuid, { powerState: 'Active' });
  await d.waitForPartition(isRunning);
}
