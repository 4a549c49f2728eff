/**
 * The operator and the guest agree by test: the string buildBootOsSpecificParameters produces is
 * put on a fake /proc/cmdline among typical kernel arguments and the real scripts consume it.
 */
import { buildBootOsSpecificParameters } from '../../src/controllers/partition/boot-params.js';
import { ALL_TOOLS, FakeRoot, callsOf, changingCalls } from './fake-root.js';

const NICS = [
  { deviceNumber: '0A00', port: 0, mac: '02:AB:CD:EF:00:01' },
  { deviceNumber: 'f5F3', port: 1, mac: '0E-00-00-00-0A-00' }, // the MAC contains devno 0a00
  { deviceNumber: '1', port: 1, mac: 'A6ABCDEF0003' },
  { deviceNumber: '0xBEEF', port: 0, mac: '2a:00:00:00:f5:f3' },
];
const EXTRA = 'zfcp.allow_lun_scan=0 net.ifnames=1';

// What the HMC hands to the kernel: the distribution's own arguments, then the partition's
// boot-os-specific-parameters.
function kernelCmdline(bootParams: string): string {
  return [
    'BOOT_IMAGE=(hd0,msdos1)/vmlinuz-5.14.0-362.el9.s390x root=/dev/mapper/rhel-root',
    'rd.zfcp=0.0.1700,0x500507630b0b0c6a,0x0a00000000000000 rd.lvm.lv=rhel/root cio_ignore=all,!condev',
    'crashkernel=1G-4G:192M,4G-64G:256M',
    bootParams,
  ].join(' ');
}

const EXPECTED = [
  {
    busid: '0.0.0a00',
    ids: '0.0.0a00:0.0.0a01:0.0.0a02',
    port: 0,
    ifname: 'enca00',
    mac: '02:ab:cd:ef:00:01',
  },
  {
    busid: '0.0.f5f3',
    ids: '0.0.f5f3:0.0.f5f4:0.0.f5f5',
    port: 1,
    ifname: 'encf5f3',
    mac: '0e:00:00:00:0a:00',
  },
  { busid: '0.0.0001', ids: '0.0.0001:0.0.0002:0.0.0003', port: 1, ifname: 'enc1', mac: 'a6:ab:cd:ef:00:03' },
  {
    busid: '0.0.beef',
    ids: '0.0.beef:0.0.bef0:0.0.bef1',
    port: 0,
    ifname: 'encbeef',
    mac: '2a:00:00:00:f5:f3',
  },
];

describe('operator boot parameters -> guest image tools', () => {
  const bootParams = buildBootOsSpecificParameters({ nics: NICS, extra: EXTRA });
  let fake: FakeRoot | undefined;
  afterEach(() => {
    fake?.cleanup();
    fake = undefined;
  });

  it('generates entries followed by the extra parameters', () => {
    expect(bootParams).toBe(
      '0a00,0,02abcdef0001;f5f3,1,0e0000000a00;0001,1,a6abcdef0003;beef,0,2a000000f5f3; ' + EXTRA,
    );
    expect(bootParams.length).toBeLessThanOrEqual(256);
  });

  it('autoconfigure_networking.sh (chzdev) brings up every NIC on its port and sets every MAC', () => {
    fake = new FakeRoot().cmdline(kernelCmdline(bootParams));
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.stderr).not.toMatch(/: (err|warning):/);
    expect(r.status).toBe(0);
    expect(callsOf(r, 'chzdev')).toEqual(
      EXPECTED.map((n) => `-e -a -y qeth ${n.ids} layer2=1 portno=${n.port}`),
    );
    expect(callsOf(r, 'ip')).toEqual(EXPECTED.map((n) => `link set dev ${n.ifname} address ${n.mac}`));
    for (const n of EXPECTED) expect(fake.address(n.ifname)).toBe(n.mac);
    expect(changingCalls(fake.run('autoconfigure_networking.sh'))).toEqual([]);
  });

  it('autoconfigure_networking.sh (znetconf) brings up every NIC on its port', () => {
    fake = new FakeRoot(ALL_TOOLS.filter((t) => t !== 'chzdev')).cmdline(kernelCmdline(bootParams));
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(0);
    expect(callsOf(r, 'znetconf')).toEqual(
      EXPECTED.map((n) => `-a ${n.busid} -o portno=${n.port} -o layer2=1`),
    );
    expect(callsOf(r, 'ip')).toEqual(EXPECTED.map((n) => `link set dev ${n.ifname} address ${n.mac}`));
  });

  it('setmac.sh, run by udev for each new interface, sets the MAC the operator chose', () => {
    fake = new FakeRoot().cmdline(kernelCmdline(bootParams));
    for (const n of EXPECTED) fake.groupDevice(n.busid, { ifname: n.ifname, portno: n.port });
    for (const n of EXPECTED) {
      const r = fake.run('setmac.sh', [`/devices/qeth/${n.busid}/net/${n.ifname}`]);
      expect(r.status).toBe(0);
      expect(callsOf(r, 'ip')).toEqual([`link set dev ${n.ifname} address ${n.mac}`]);
    }
  });
});
