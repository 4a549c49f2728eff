// What the bridge reads from a Partition's status (pure): running, stopped, failed, HBA WWPNs, storage paths.
import type { Partition } from '../crds/partition.js';
import { isStuck } from '../crds/reasons.js';

export function isRunning(p: Partition | undefined): boolean {
  return p?.status?.phase === 'Running' && p.status.powerState === 'Active';
}

export function isStopped(p: Partition | undefined): boolean {
  return p?.status?.phase === 'Stopped' && p.status.powerState === 'Stopped';
}

/** A message when the partition cannot reach its spec (phase Failed or a terminal condition). */
export function partitionFailure(p: Partition | undefined): string | undefined {
  if (!p?.status) return undefined;
  const bad = (p.status.conditions ?? []).find((c) => c.status === 'False' && isStuck(c.reason));
  if (bad) return `${bad.reason}: ${bad.message ?? ''}`.trim();
  if (p.status.phase === 'Failed') {
    const ready = p.status.conditions?.find((c) => c.type === 'Ready');
    return `partition failed${ready?.message ? `: ${ready.message}` : ''}`;
  }
  return undefined;
}

/** HBA name -> WWPN for the HBAs whose WWPN the HMC assigned already. */
export function hbaWwpns(p: Partition | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of p?.status?.hbas ?? []) if (h.wwpn) out[h.name] = h.wwpn;
  return out;
}

/** Every named NIC has an HMC device number and every named HBA a WWPN in the Partition's status. */
export function devicesReady(
  p: Partition | undefined,
  nics: readonly string[],
  hbas: readonly string[],
): boolean {
  const nicDevnos = new Map((p?.status?.nics ?? []).map((n) => [n.name, n.deviceNumber]));
  const wwpns = hbaWwpns(p);
  return nics.every((n) => Boolean(nicDevnos.get(n))) && hbas.every((h) => Boolean(wwpns[h]));
}

/**
 * The partition's paths in one of its storage groups (a StorageGroup resource, by name) once the group is
 * attached and every path has its virtual WWPN; undefined before.
 */
export function storagePaths(
  p: Partition | undefined,
  storageGroup: string,
): { wwpn: string; adapterPortUri: string }[] | undefined {
  const g = p?.status?.storageGroups?.find((x) => x.storageGroupRef === storageGroup);
  const paths = g?.attached ? (g.paths ?? []) : [];
  if (paths.length === 0 || !paths.every((x) => x.wwpn && x.adapterPortUri)) return undefined;
  return paths.map((x) => ({ wwpn: x.wwpn!, adapterPortUri: x.adapterPortUri! }));
}
