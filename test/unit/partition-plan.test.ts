import { planDeletion, planPartition, createProps } from '../../src/controllers/partition/plan.js';
import type {
  DesiredPartition,
  ObservedPartition,
  ObservedNic,
  ObservedHba,
} from '../../src/controllers/partition/model.js';
import {
  isOwnedPartitionName,
  ownedPartitionNameFilter,
  partitionHmcName,
} from '../../src/controllers/naming.js';

const VS0 = '/api/virtual-switches/b1';
const VS1 = '/api/virtual-switches/b2';
const PORT_A = '/api/adapters/f1/storage-ports/0';
const PORT_B = '/api/adapters/f2/storage-ports/0';

function desired(over: Partial<DesiredPartition> = {}): DesiredPartition {
  return {
    hmcName: 'OpenStack-demo-0b0e5a43-7a8c-4b8e-9a3e-3c6f8f1d2e10',
    description: 'OpenStack CPCSubset=demo',
    ifls: 2,
    processorMode: 'shared',
    initialMemoryMiB: 4096,
    maximumMemoryMiB: 8192,
    powerState: 'Active',
    boot: {
      type: 'FcpVolume',
      hba: { crName: 'hba-a' },
      targetWwpn: '500507680B2145F0',
      lun: '0001000000000000',
    },
    updateStrategy: 'WhileStopped',
    storageGroups: [],
    nics: [
      {
        crName: 'nic-0',
        hmcName: 'OpenStack_Port_n0',
        description: 'OpenStack mac=02:00:00:00:00:01, CPCSubset=demo',
        virtualSwitchUri: VS0,
        mac: '02:00:00:00:00:01',
        port: 0,
      },
      {
        crName: 'nic-1',
        hmcName: 'OpenStack_Port_n1',
        description: 'OpenStack mac=02:00:00:00:00:02, CPCSubset=demo',
        virtualSwitchUri: VS1,
        mac: '02:00:00:00:00:02',
        port: 1,
      },
    ],
    hbas: [
      { crName: 'hba-a', hmcName: 'OpenStack_HBA_a', adapterPortUri: PORT_A },
      { crName: 'hba-b', hmcName: 'OpenStack_HBA_b', adapterPortUri: PORT_B },
    ],
    ...over,
  };
}

const nics: ObservedNic[] = [
  {
    uri: '/api/partitions/p/nics/1',
    name: 'OpenStack_Port_n0',
    description: 'OpenStack mac=02:00:00:00:00:01, CPCSubset=demo',
    deviceNumber: '0001',
    virtualSwitchUri: VS0,
  },
  {
    uri: '/api/partitions/p/nics/2',
    name: 'OpenStack_Port_n1',
    description: 'OpenStack mac=02:00:00:00:00:02, CPCSubset=demo',
    deviceNumber: '0004',
    virtualSwitchUri: VS1,
  },
];
const hbas: ObservedHba[] = [
  {
    uri: '/api/partitions/p/hbas/1',
    name: 'OpenStack_HBA_a',
    wwpn: 'c05076ffe5000001',
    deviceNumber: '1000',
    adapterPortUri: PORT_A,
  },
  {
    uri: '/api/partitions/p/hbas/2',
    name: 'OpenStack_HBA_b',
    wwpn: 'c05076ffe5000002',
    deviceNumber: '1001',
    adapterPortUri: PORT_B,
  },
];

/** An HMC partition already matching `desired()`, in the given status. */
function observed(over: Partial<ObservedPartition> = {}): ObservedPartition {
  return {
    uri: '/api/partitions/p',
    name: desired().hmcName,
    description: 'OpenStack CPCSubset=demo',
    status: 'active',
    ifls: 2,
    processorMode: 'shared',
    initialMemoryMiB: 4096,
    maximumMemoryMiB: 8192,
    bootDevice: 'storage-adapter',
    bootStorageDevice: '/api/partitions/p/hbas/1',
    bootWwpn: '500507680b2145f0',
    bootLun: '1000000000000',
    bootOsSpecificParameters: '0001,0,020000000001;0004,1,020000000002;',
    storageGroupUris: [],
    nics,
    hbas,
    ...over,
  };
}

describe('planPartition', () => {
  it('creates a missing partition with the HMC property names', () => {
    expect(planPartition(desired(), undefined)).toEqual({
      kind: 'create-partition',
      props: createProps(desired()),
    });
    expect(createProps(desired())).toMatchObject({
      'ifl-processors': 2,
      'initial-memory': 4096,
      'maximum-memory': 8192,
    });
  });

  it('is in sync when everything matches (LUN and WWPN compared as hex)', () => {
    expect(planPartition(desired(), observed())).toEqual({ kind: 'in-sync' });
  });

  it('creates HBAs before NICs, and NICs before boot properties', () => {
    const fresh = observed({
      status: 'stopped',
      nics: [],
      hbas: [],
      bootDevice: 'none',
      bootStorageDevice: null,
      bootWwpn: '',
      bootLun: '',
      bootOsSpecificParameters: '',
    });
    expect(planPartition(desired(), fresh)).toMatchObject({ kind: 'create-hba', hba: { crName: 'hba-a' } });
    const withHbas = { ...fresh, hbas };
    expect(planPartition(desired(), withHbas)).toMatchObject({
      kind: 'create-nic',
      nic: { crName: 'nic-0' },
    });
    const withNics = { ...withHbas, nics };
    expect(planPartition(desired(), withNics)).toEqual({
      kind: 'update-partition',
      why: 'boot properties',
      props: {
        'boot-device': 'storage-adapter',
        'boot-storage-device': '/api/partitions/p/hbas/1',
        'boot-world-wide-port-name': '500507680b2145f0',
        'boot-logical-unit-number': '0001000000000000',
        'boot-os-specific-parameters': '0001,0,020000000001;0004,1,020000000002;',
      },
    });
  });

  it('starts a stopped partition that should be Active once configured', () => {
    expect(planPartition(desired(), observed({ status: 'stopped' }))).toEqual({ kind: 'start' });
    expect(planPartition(desired(), observed({ status: 'reservation-error' }))).toEqual({ kind: 'start' });
  });

  it('stops an active partition that should be Stopped, and waits out transitions', () => {
    expect(planPartition(desired({ powerState: 'Stopped' }), observed())).toMatchObject({ kind: 'stop' });
    expect(planPartition(desired(), observed({ status: 'starting' }))).toMatchObject({ kind: 'wait' });
    expect(planPartition(desired(), observed({ status: 'stopping' }))).toMatchObject({ kind: 'wait' });
    expect(planPartition(desired(), observed({ status: 'status-check' }))).toMatchObject({
      kind: 'wait',
      reason: 'HmcStatusUnknown',
    });
  });

  it('updates anytime-properties while active but blocks stopped-only ones unless allowed to restart', () => {
    expect(planPartition(desired({ ifls: 4 }), observed())).toEqual({
      kind: 'update-partition',
      props: { 'ifl-processors': 4 },
      why: 'spec changed',
    });
    expect(planPartition(desired({ maximumMemoryMiB: 16384 }), observed())).toMatchObject({
      kind: 'blocked',
      reason: 'StopRequired',
    });
    expect(
      planPartition(desired({ maximumMemoryMiB: 16384, updateStrategy: 'RestartIfNeeded' }), observed()),
    ).toMatchObject({ kind: 'stop' });
    expect(planPartition(desired({ maximumMemoryMiB: 16384 }), observed({ status: 'stopped' }))).toEqual({
      kind: 'update-partition',
      props: { 'maximum-memory': 16384 },
      why: 'spec changed (stopped-only properties)',
    });
  });

  it('treats initial memory above the current maximum as a stopped-only change', () => {
    const a = planPartition(desired({ initialMemoryMiB: 10000, maximumMemoryMiB: 12000 }), observed());
    expect(a).toMatchObject({ kind: 'blocked', reason: 'StopRequired' });
    expect((a as { message: string }).message).toContain('initial-memory');
  });

  it('deletes owned NICs no longer desired but never foreign ones', () => {
    const foreign: ObservedNic = {
      uri: '/api/partitions/p/nics/9',
      name: 'admin-nic',
      deviceNumber: '0100',
      virtualSwitchUri: VS0,
    };
    const d = desired({ nics: [desired().nics[0]!], kernelParameters: undefined });
    const o = observed({ nics: [...nics, foreign], bootOsSpecificParameters: '0001,0,020000000001;' });
    expect(planPartition(d, o)).toEqual({
      kind: 'delete-nic',
      uri: '/api/partitions/p/nics/2',
      name: 'OpenStack_Port_n1',
    });
    const after = observed({ nics: [nics[0]!, foreign], bootOsSpecificParameters: '0001,0,020000000001;' });
    expect(planPartition(d, after)).toEqual({ kind: 'in-sync' });
  });

  it('recreates a NIC whose virtual switch changed and updates a changed MAC in place', () => {
    const moved = observed({ nics: [{ ...nics[0]!, virtualSwitchUri: VS1 }, nics[1]!] });
    expect(planPartition(desired(), moved)).toMatchObject({ kind: 'delete-nic', uri: nics[0]!.uri });
    const d = desired();
    d.nics[0] = {
      ...d.nics[0]!,
      mac: '02:00:00:00:00:99',
      description: 'OpenStack mac=02:00:00:00:00:99, CPCSubset=demo',
    };
    expect(planPartition(d, observed())).toMatchObject({
      kind: 'update-nic',
      props: { description: 'OpenStack mac=02:00:00:00:00:99, CPCSubset=demo' },
    });
  });

  it('blocks with a message naming the field when the boot parameters exceed 256 characters', () => {
    const a = planPartition(desired({ kernelParameters: 'x'.repeat(230) }), observed());
    expect(a).toMatchObject({ kind: 'blocked', reason: 'InvalidBootParameters' });
    expect((a as { message: string }).message).toContain('spec.kernelParameters');
  });

  it('reports a paused partition with an FCP boot as a boot failure, but accepts paused without a boot device', () => {
    expect(planPartition(desired(), observed({ status: 'paused' }))).toMatchObject({
      kind: 'blocked',
      reason: 'BootFailed',
    });
    const noBoot = desired({ boot: { type: 'None' }, nics: [], hbas: [] });
    const o = observed({
      status: 'paused',
      nics: [],
      hbas: [],
      bootDevice: 'none',
      bootOsSpecificParameters: '',
    });
    expect(planPartition(noBoot, o)).toEqual({ kind: 'in-sync' });
  });

  it('stops a terminated partition so that it can be started again', () => {
    expect(planPartition(desired(), observed({ status: 'terminated' }))).toMatchObject({ kind: 'stop' });
  });
});

describe('planDeletion', () => {
  it('stops, then deletes, and is done when the partition is gone', () => {
    expect(planDeletion(observed())).toMatchObject({ kind: 'stop' });
    expect(planDeletion(observed({ status: 'paused' }))).toMatchObject({ kind: 'stop' });
    expect(planDeletion(observed({ status: 'stopping' }))).toMatchObject({ kind: 'wait' });
    expect(planDeletion(observed({ status: 'stopped' }))).toEqual({ kind: 'delete-partition' });
    expect(planDeletion(observed({ status: 'reservation-error' }))).toEqual({ kind: 'delete-partition' });
    expect(planDeletion(undefined)).toEqual({ kind: 'in-sync' });
  });
});

describe('naming', () => {
  const uid = '0b0e5a43-7a8c-4b8e-9a3e-3c6f8f1d2e10';
  it('recognises only names it made, with regex characters escaped', () => {
    expect(isOwnedPartitionName('demo', partitionHmcName('demo', uid))).toBe(true);
    expect(isOwnedPartitionName('demo', `OpenStack-demox-${uid}`)).toBe(false);
    expect(isOwnedPartitionName('demo', 'LINUX-PROD-01')).toBe(false);
    expect(isOwnedPartitionName('a.b', `OpenStack-aXb-${uid}`)).toBe(false);
    expect(new RegExp(`^${ownedPartitionNameFilter('a.b')}$`).test(`OpenStack-aXb-${uid}`)).toBe(false);
    expect(new RegExp(`^${ownedPartitionNameFilter('a.b')}$`).test(`OpenStack-a.b-${uid}`)).toBe(true);
  });
  it('refuses names over 64 characters', () => {
    expect(() => partitionHmcName('x'.repeat(18), uid)).toThrow(/64/);
    expect(partitionHmcName('x'.repeat(17), uid)).toHaveLength(64);
  });
});
