// The compute-host rules of the bridge (pure): placement inventory of a subset, cinder's connection
// info as nova nests it, requested networks, and which instances a restart leaves as failed builds.
import { nestConnectionInfo, fcConnector } from '../../src/nova-bridge/cinder.js';
import { interruptedBuild } from '../../src/nova-bridge/compute-methods.js';
import { makeObject, readRequestedNetworks } from '../../src/nova-bridge/objects.js';
import { providerInventory } from '../../src/nova-bridge/placement.js';

const subset = { spec: { limits: { maxPartitions: 10, maxProcessors: 16, maxMemoryMiB: 65536 } } } as never;
const part = (ifls: number, mem: number) =>
  ({ spec: { processors: { ifls }, memory: { initialMiB: mem } } }) as never;

describe('providerInventory', () => {
  it('is the subset limits, with what partitions not created by Nova use reserved', () => {
    const inv = providerInventory(subset, [part(2, 4096), part(1, 1024)]);
    expect(inv.VCPU).toEqual({
      total: 16,
      reserved: 3,
      min_unit: 1,
      max_unit: 16,
      step_size: 1,
      allocation_ratio: 1,
    });
    expect(inv.MEMORY_MB).toMatchObject({ total: 65536, reserved: 5120, max_unit: 65536 });
  });
  it('caps the reservation at the total (placement refuses reserved > total)', () => {
    const inv = providerInventory(subset, [part(12, 40000), part(8, 40000)]);
    expect(inv.VCPU.reserved).toBe(16);
    expect(inv.MEMORY_MB.reserved).toBe(65536);
  });
  it('reserves nothing without foreign partitions', () => {
    expect(providerInventory(subset, []).VCPU.reserved).toBe(0);
  });
});

describe('cinder connection info and connector', () => {
  it('nests the flattened attachment connection info as {driver_volume_type, data} (nova does)', () => {
    expect(
      nestConnectionInfo({
        driver_volume_type: 'fibre_channel',
        target_lun: 7,
        target_wwn: ['500507680b21ac38'],
        attachment_id: 'a1',
      }),
    ).toEqual({
      driver_volume_type: 'fibre_channel',
      data: { target_lun: 7, target_wwn: ['500507680b21ac38'] },
    });
  });
  it('keeps an already nested one', () => {
    expect(nestConnectionInfo({ driver_volume_type: 'fibre_channel', data: { target_lun: 1 } })).toEqual({
      driver_volume_type: 'fibre_channel',
      data: { target_lun: 1 },
    });
  });
  it('builds a Fibre Channel connector from the partition WWPNs (lower case, no 0x)', () => {
    expect(fcConnector(['0xC05076BF35040001'], 'uuid-1')).toMatchObject({
      wwpns: ['c05076bf35040001'],
      host: 'uuid-1',
      platform: 's390x',
      multipath: false,
    });
  });
});

describe('readRequestedNetworks', () => {
  const list = (objs: Record<string, unknown>[]) =>
    makeObject('NetworkRequestList', { objects: objs.map((o) => makeObject('NetworkRequest', o)) });
  it('reads networks and ports, and drops none/auto', () => {
    expect(
      readRequestedNetworks(
        list([{ network_id: 'n1' }, { port_id: 'p1', network_id: 'n2' }, { network_id: 'none' }]),
      ),
    ).toEqual([{ networkId: 'n1' }, { portId: 'p1' }]);
    expect(readRequestedNetworks(null)).toEqual([]);
  });
});

describe('interruptedBuild (nova-compute init_host rule)', () => {
  it.each([
    [{ vm_state: 'building', task_state: 'spawning' }, true],
    [{ vm_state: 'building', task_state: null }, true],
    [{ vm_state: 'active', task_state: 'networking' }, true],
    [{ vm_state: 'active', task_state: null }, false],
    [{ vm_state: 'stopped', task_state: 'powering-on' }, false],
    [{ vm_state: 'building', task_state: 'spawning', deleted: true }, false],
  ])('%j -> %s', (d, want) => {
    expect(interruptedBuild(d)).toBe(want);
  });
});
