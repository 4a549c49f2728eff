// The compute-host rules of the bridge (pure): placement inventory of a subset, cinder's connection
// info as nova nests it, requested networks, and which instances a restart leaves as failed builds.
import { nestConnectionInfo, fcConnector } from '../../src/nova-bridge/cinder.js';
import {
  interruptedStage,
  networksFromSystemMetadata,
  networksToSystemMetadata,
  planResume,
} from '../../src/nova-bridge/build-resume.js';
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

describe('interruptedStage (which builds a restarted bridge continues, and where)', () => {
  it.each([
    [{ vm_state: 'building', task_state: 'spawning' }, 'spawning'],
    [{ vm_state: 'building', task_state: 'block_device_mapping' }, 'block_device_mapping'],
    [{ vm_state: 'building', task_state: 'networking' }, 'networking'],
    [{ vm_state: 'building', task_state: null }, 'start'],
    [{ vm_state: 'building', task_state: 'scheduling' }, 'start'],
    [{ vm_state: 'building', task_state: 'deleting' }, undefined],
    [{ vm_state: 'active', task_state: null }, undefined],
    [{ vm_state: 'stopped', task_state: 'powering-on' }, undefined],
    [{ vm_state: 'building', task_state: 'spawning', deleted: true }, undefined],
  ])('%j -> %s', (d, want) => {
    expect(interruptedStage(d)).toBe(want);
  });
});

describe('requested networks recorded in system_metadata', () => {
  it('round-trips networks and ports, one entry per request (255-character values)', () => {
    const reqs = [{ networkId: 'n1' }, { portId: 'p1' }];
    const sm = networksToSystemMetadata(reqs);
    expect(sm).toEqual({
      dpm_requested_networks: '2',
      dpm_requested_network_0: 'network:n1',
      dpm_requested_network_1: 'port:p1',
    });
    expect(networksFromSystemMetadata({ image_min_ram: '0', ...sm })).toEqual(reqs);
    expect(networksFromSystemMetadata(networksToSystemMetadata([]))).toEqual([]);
  });
  it('is undefined when nothing (or something broken) was recorded', () => {
    expect(networksFromSystemMetadata({ image_min_ram: '0' })).toBeUndefined();
    expect(networksFromSystemMetadata({ dpm_requested_networks: '1' })).toBeUndefined();
    expect(networksFromSystemMetadata(undefined)).toBeUndefined();
  });
});

describe('planResume', () => {
  const instance = (d: Record<string, unknown>) =>
    makeObject('Instance', { uuid: 'i1', vm_state: 'building', ...d });
  const bdms = makeObject('BlockDeviceMappingList', {
    objects: [
      makeObject('BlockDeviceMapping', { volume_id: 'v1', attachment_id: 'a1', connection_info: '{"x":1}' }),
      makeObject('BlockDeviceMapping', { volume_id: 'v2', connection_info: '{"legacy":1}' }),
      makeObject('BlockDeviceMapping', { volume_id: 'v3', attachment_id: 'a3', connection_info: null }),
    ],
  });
  it('cannot resume before networking without the recorded networks: the instance is failed', () => {
    const plan = planResume(instance({ task_state: 'networking', system_metadata: {} }), 'networking', bdms);
    expect(plan).toMatchObject({ uuid: 'i1', cannot: expect.stringContaining('requested networks') });
  });
  it('rebuilds the request: recorded networks; attachments with connection info are only completed again', () => {
    const sm = networksToSystemMetadata([{ networkId: 'n1' }]);
    const plan = planResume(instance({ task_state: 'networking', system_metadata: sm }), 'networking', bdms);
    if ('cannot' in plan) throw new Error(plan.cannot);
    expect(readRequestedNetworks(plan.request.args.requested_networks)).toEqual([{ networkId: 'n1' }]);
    const mapped = plan.request.args.block_device_mapping as {
      'nova_object.data': Record<string, unknown>;
    }[];
    expect(mapped.map((b) => b['nova_object.data'].connection_info)).toEqual([
      '{"x":1}',
      '{"legacy":1}',
      null,
    ]);
    expect(plan.complete).toEqual(['a1']);
  });
  it('past networking needs no recorded networks (the ports are in the info cache)', () => {
    const plan = planResume(instance({ task_state: 'spawning' }), 'spawning', bdms);
    expect('cannot' in plan).toBe(false);
  });
});
