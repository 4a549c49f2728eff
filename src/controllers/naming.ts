// How HMC objects are named and described, and how ownership is recognised.
// Compatible with nova-dpm: partition "OpenStack-<subset>-<uuid>", description "OpenStack CPCSubset=<subset>",
// NIC description "OpenStack mac=<mac>, CPCSubset=<subset>" (networking-dpm agents parse the latter).

export const PARTITION_NAME_PREFIX = 'OpenStack-';
export const HMC_NAME_MAX = 64;

/** The deterministic HMC name of a Partition CR: re-found by name after a crash, never created twice. */
export function partitionHmcName(subset: string, uid: string): string {
  const name = `${PARTITION_NAME_PREFIX}${subset}-${uid}`;
  if (name.length > HMC_NAME_MAX) {
    throw new RangeError(
      `HMC partition name ${name} exceeds ${HMC_NAME_MAX} characters (CpcSubset name too long)`,
    );
  }
  return name;
}

export function partitionDescription(subset: string, userDescription?: string): string {
  const own = `OpenStack CPCSubset=${subset}`;
  return userDescription ? `${own} ${userDescription}`.slice(0, 1024) : own;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The HMC list filter (a regex matched against the whole name) selecting only this subset's partitions. */
export function ownedPartitionNameFilter(subset: string): string {
  return `${escapeRegex(PARTITION_NAME_PREFIX + subset)}-[0-9a-fA-F-]{36}`;
}

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when the HMC partition name was made by partitionHmcName for this subset (escaped: no regex surprises). */
export function isOwnedPartitionName(subset: string, name: string): boolean {
  const prefix = `${PARTITION_NAME_PREFIX}${subset}-`;
  return name.startsWith(prefix) && uuidRe.test(name.slice(prefix.length));
}

/** Colon-separated lower-case MAC, the form networking-dpm expects in NIC descriptions. */
export function normalizeMac(mac: string): string {
  const hex = mac.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
  return hex.match(/../g)?.join(':') ?? hex;
}

export function nicHmcName(nicUid: string): string {
  return `OpenStack_Port_${nicUid}`;
}

export function nicDescription(mac: string, subset: string): string {
  return `OpenStack mac=${normalizeMac(mac)}, CPCSubset=${subset}`;
}

/** NICs and HBAs this operator created carry these prefixes; anything else on an adopted partition is left alone. */
export function isOwnedNic(nic: { description?: string; name?: string }): boolean {
  return (
    (nic.description ?? '').startsWith('OpenStack mac=') || (nic.name ?? '').startsWith('OpenStack_Port_')
  );
}

export function hbaHmcName(hbaUid: string): string {
  return `OpenStack_HBA_${hbaUid}`;
}

export function isOwnedHba(hba: { name?: string }): boolean {
  return (hba.name ?? '').startsWith('OpenStack_HBA_');
}

// Storage groups the operator creates (StorageGroup resources): the same deterministic name scheme as
// partitions (re-found by name after a crash), and an ownership marker in the description. A group without
// the marker is someone else's and is never modified or deleted.
export const STORAGE_GROUP_MARKER = 'StorageGroup=';

export function storageGroupHmcName(subset: string, uid: string): string {
  return partitionHmcName(subset, uid);
}

/** HMC limit of a storage group description. */
export const STORAGE_GROUP_DESCRIPTION_MAX = 200;

/** `OpenStack CPCSubset=<subset> StorageGroup=<uid>[ <user description>]` (at most 200 characters). */
export function storageGroupDescription(subset: string, uid: string, userDescription?: string): string {
  const own = `OpenStack CPCSubset=${subset} ${STORAGE_GROUP_MARKER}${uid}`;
  return (userDescription ? `${own} ${userDescription}` : own).slice(0, STORAGE_GROUP_DESCRIPTION_MAX);
}

/** Whether the HMC group carries this StorageGroup's ownership marker. */
export function isOwnedStorageGroup(group: { description?: string }, subset: string, uid: string): boolean {
  const own = storageGroupDescription(subset, uid);
  const d = group.description ?? '';
  return d === own || d.startsWith(`${own} `);
}
