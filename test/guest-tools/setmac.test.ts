import { FakeRoot, callsOf, changingCalls } from './fake-root.js';

describe('setmac.sh', () => {
  let fake: FakeRoot;
  afterEach(() => fake.cleanup());

  // Device paths as udev passes them with %p (DEVPATH, without /sys), older and newer kernel
  // layouts, plus /sys-prefixed and trailing-slash variants and the documented bus ID form.
  it.each([
    ['/devices/qeth/0.0.f5f0/net/encf5f0', 'encf5f0'],
    ['/devices/css0/0.0.0010/0.0.f5f0/0.0.f5f0/net/encf5f0', 'encf5f0'],
    ['/devices/css0/0.0.0010/0.0.f5f0/net/eth0', 'eth0'],
    ['/sys/devices/qeth/0.0.F5F0/net/encf5f0/', 'encf5f0'],
    ['0.0.f5f0', 'encf5f0'],
    ['0.0.F5F0', 'encf5f0'],
  ])('sets the MAC for %s', (devpath, ifname) => {
    fake = new FakeRoot()
      .cmdline('root=/dev/sda1 0001,0,020000000001;F5F0,1,0A0000000011; quiet')
      .groupDevice('0.0.f5f0', { ifname: 'encf5f0' });
    if (ifname === 'eth0') fake.groupDevice('0.0.f5f0', { ifname: 'eth0' });
    const r = fake.run('setmac.sh', [devpath]);
    expect(r.stderr).not.toMatch(/: err:/);
    expect(r.status).toBe(0);
    expect(callsOf(r, 'ip')).toEqual([`link set dev ${ifname} address 0a:00:00:00:00:11`]);
    expect(fake.address(ifname)).toBe('0a:00:00:00:00:11');
  });

  it('takes the device number from the qeth group device, not from the subchannel before it', () => {
    // 0.0.0001 is the subchannel's bus ID here and also has an entry; the interface belongs to 0a00.
    fake = new FakeRoot()
      .cmdline('0001,0,020000000001;0a00,1,020000000a00;')
      .groupDevice('0.0.0a00', { ifname: 'enca00' });
    const r = fake.run('setmac.sh', ['/devices/css0/0.0.0001/0.0.0a00/0.0.0a00/net/enca00']);
    expect(r.status).toBe(0);
    expect(callsOf(r, 'ip')).toEqual(['link set dev enca00 address 02:00:00:00:0a:00']);
  });

  it('handles subchannel sets other than 0', () => {
    fake = new FakeRoot().cmdline('0a00,1,020000000a00;').groupDevice('0.2.0a00', { ifname: 'enc2.a00' });
    const r = fake.run('setmac.sh', ['/devices/qeth/0.2.0a00/net/enc2.a00']);
    expect(r.status).toBe(0);
    expect(callsOf(r, 'ip')).toEqual(['link set dev enc2.a00 address 02:00:00:00:0a:00']);
  });

  it('does not set a MAC that is already set (idempotent)', () => {
    fake = new FakeRoot().cmdline('0a00,1,020000000A00;').groupDevice('0.0.0a00', { ifname: 'enca00' });
    const first = fake.run('setmac.sh', ['/devices/qeth/0.0.0a00/net/enca00']);
    expect(callsOf(first, 'ip')).toHaveLength(1);
    const second = fake.run('setmac.sh', ['/devices/qeth/0.0.0a00/net/enca00']);
    expect(second.status).toBe(0);
    expect(changingCalls(second)).toEqual([]);
    expect(second.stderr).toMatch(/enca00 already has MAC 02:00:00:00:0a:00/);
  });

  it('changes nothing for a device without entry or for an entry without MAC', () => {
    fake = new FakeRoot()
      .cmdline('0004,0; 0b00,0,020000000b00;')
      .groupDevice('0.0.0004', { ifname: 'enc4' })
      .groupDevice('0.0.0a00', { ifname: 'enca00' });
    const noMac = fake.run('setmac.sh', ['/devices/qeth/0.0.0004/net/enc4']);
    expect(noMac.status).toBe(0);
    expect(changingCalls(noMac)).toEqual([]);
    expect(noMac.stderr).toMatch(/entry has no MAC/);
    const noEntry = fake.run('setmac.sh', ['/devices/qeth/0.0.0a00/net/enca00']);
    expect(noEntry.status).toBe(0);
    expect(changingCalls(noEntry)).toEqual([]);
    expect(noEntry.stderr).toMatch(/no entry on the kernel command line/);
  });

  it('is not confused by the device number inside a MAC or another parameter', () => {
    fake = new FakeRoot()
      .cmdline('rd.znet=qeth,0.0.0a00,0.0.0a01,0.0.0a02 foo=0a00,0,020000000099; 0001,0,02000000a000;')
      .groupDevice('0.0.0a00', { ifname: 'enca00' });
    const r = fake.run('setmac.sh', ['/devices/qeth/0.0.0a00/net/enca00']);
    expect(r.status).toBe(0);
    expect(changingCalls(r)).toEqual([]);
  });

  it('refuses a globally administered MAC for its device and logs why', () => {
    fake = new FakeRoot().cmdline('0a00,0,001122334455;').groupDevice('0.0.0a00', { ifname: 'enca00' });
    const r = fake.run('setmac.sh', ['/devices/qeth/0.0.0a00/net/enca00']);
    expect(r.status).toBe(1);
    expect(callsOf(r, 'ip')).toEqual([]);
    expect(r.stderr).toMatch(
      /rejected entry '0a00,0,001122334455': MAC 001122334455 is not a locally administered unicast/,
    );
    expect(r.syslog.join('\n')).toMatch(/daemon\.err setmac\.sh: .*MAC not set/);
  });

  it("ignores other devices' bad entries", () => {
    fake = new FakeRoot()
      .cmdline('0001,0,001122334455;0a00,0,020000000a00;')
      .groupDevice('0.0.0a00', { ifname: 'enca00' });
    const r = fake.run('setmac.sh', ['/devices/qeth/0.0.0a00/net/enca00']);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/rejected/);
    expect(callsOf(r, 'ip')).toEqual(['link set dev enca00 address 02:00:00:00:0a:00']);
  });

  it('logs the ip error before exiting non-zero', () => {
    fake = new FakeRoot()
      .cmdline('0a00,0,020000000a00;')
      .groupDevice('0.0.0a00', { ifname: 'enca00' })
      .failWhen('ip', 'enca00');
    const r = fake.run('setmac.sh', ['/devices/qeth/0.0.0a00/net/enca00']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /setmac\.sh: err: 'ip link set dev enca00 address 02:00:00:00:0a:00' failed \(exit 3\): ip: simulated failure/,
    );
    expect(r.syslog.join('\n')).toMatch(/daemon\.err setmac\.sh: .*ip: simulated failure/);
  });

  it.each([
    [[], 2, /usage/],
    [['/devices/virtual/net/lo'], 1, /cannot derive a qeth device bus ID/],
    [['/devices/qeth/0.0.0a00'], 1, /cannot derive/],
    [['/devices/qeth/0.0.0a00/net/bad name'], 1, /invalid interface name/],
    [['0.0.0b00'], 1, /0\.0\.0b00 has no network interface/],
  ])('rejects arguments %j', (args, status, message) => {
    fake = new FakeRoot().cmdline('0a00,0,020000000a00;0b00,0,020000000b00;');
    const r = fake.run('setmac.sh', args);
    expect(r.status).toBe(status);
    expect(r.stderr).toMatch(message);
    expect(callsOf(r, 'ip')).toEqual([]);
  });
});
