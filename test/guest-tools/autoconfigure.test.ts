import { ALL_TOOLS, FakeRoot, callsOf, changingCalls } from './fake-root.js';

const TYPICAL = 'BOOT_IMAGE=0 root=/dev/mapper/rhel-root rd.lvm.lv=rhel/root cio_ignore=all,!condev';

describe('autoconfigure_networking.sh', () => {
  let fake: FakeRoot;
  afterEach(() => fake.cleanup());

  it('enables every listed device with chzdev in layer 2 on its port and sets the MACs', () => {
    fake = new FakeRoot().cmdline(`${TYPICAL} 0001,1,0a0000000011;0004,0; quiet`);
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.stderr).not.toMatch(/: err:/);
    expect(r.status).toBe(0);
    expect(callsOf(r, 'chzdev')).toEqual([
      '-e -a -y qeth 0.0.0001:0.0.0002:0.0.0003 layer2=1 portno=1',
      '-e -a -y qeth 0.0.0004:0.0.0005:0.0.0006 layer2=1 portno=0',
    ]);
    expect(callsOf(r, 'znetconf')).toEqual([]);
    // Only 0001 has a MAC; 0004 keeps the one the adapter gave it.
    expect(callsOf(r, 'ip')).toEqual(['link set dev enc1 address 0a:00:00:00:00:11']);
    expect(fake.address('enc1')).toBe('0a:00:00:00:00:11');
    expect(fake.address('enc4')).toBe('00:11:22:33:44:55');
    // It waits for udev (setmac.sh) before finishing.
    expect(callsOf(r, 'udevadm')).toContain('settle --timeout=60');
  });

  it('falls back to znetconf -a <bus id> -o portno=<p> -o layer2=1 without chzdev', () => {
    fake = new FakeRoot(ALL_TOOLS.filter((t) => t !== 'chzdev')).cmdline(`${TYPICAL} 0a00,1,020000000001;`);
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(0);
    expect(callsOf(r, 'znetconf')).toEqual(['-a 0.0.0a00 -o portno=1 -o layer2=1']);
    expect(callsOf(r, 'ip')).toEqual(['link set dev enca00 address 02:00:00:00:00:01']);
  });

  it('fails with a clear message when neither chzdev nor znetconf is installed', () => {
    fake = new FakeRoot(['ip', 'modprobe', 'logger']).cmdline('0a00,0,020000000001;');
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/neither chzdev nor znetconf/);
    expect(callsOf(r, 'ip')).toEqual([]);
  });

  it('does nothing, successfully, without entries', () => {
    fake = new FakeRoot().cmdline(`${TYPICAL} quiet`);
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(0);
    expect(changingCalls(r)).toEqual([]);
    expect(r.stderr).toMatch(/no usable NIC entries/);
  });

  it('compares device numbers case-insensitively: mixed case entries match lower-case sysfs', () => {
    fake = new FakeRoot()
      .cmdline('0A0B,0,02AbCdEf0001;f5F0,1,0EABCDEF0002;')
      .groupDevice('0.0.0a0b', { ifname: 'enca0b', portno: 0 });
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(0);
    // 0A0B is online already (found although spelled differently); F5F0 is new.
    expect(callsOf(r, 'chzdev')).toEqual(['-e -a -y qeth 0.0.f5f0:0.0.f5f1:0.0.f5f2 layer2=1 portno=1']);
    expect(callsOf(r, 'ip')).toEqual([
      'link set dev enca0b address 02:ab:cd:ef:00:01',
      'link set dev encf5f0 address 0e:ab:cd:ef:00:02',
    ]);
  });

  it('uses the subchannel set the device is in (0.1.xxxx, 0.3.xxxx)', () => {
    fake = new FakeRoot().cmdline('0100,0,020000000001;0200,1,020000000002;0300,1;').ccwDevice('0.1.0100');
    fake.ccwDevice('0.3.0200');
    fake.groupDevice('0.2.0300', { ifname: 'enc2.0300', portno: 1 });
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(0);
    expect(callsOf(r, 'chzdev')).toEqual([
      '-e -a -y qeth 0.1.0100:0.1.0101:0.1.0102 layer2=1 portno=0',
      '-e -a -y qeth 0.3.0200:0.3.0201:0.3.0202 layer2=1 portno=1',
    ]);
    expect(r.stderr).toMatch(/device 0\.2\.0300 is already online, skipping/);
    expect(callsOf(r, 'ip')).toEqual([
      'link set dev enc1.0100 address 02:00:00:00:00:01',
      'link set dev enc3.0200 address 02:00:00:00:00:02',
    ]);
  });

  it('uses the subchannel set with znetconf too', () => {
    fake = new FakeRoot(ALL_TOOLS.filter((t) => t !== 'chzdev')).cmdline('0100,1;').ccwDevice('0.1.0100');
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(0);
    expect(callsOf(r, 'znetconf')).toEqual(['-a 0.1.0100 -o portno=1 -o layer2=1']);
  });

  it('is idempotent: a second run changes nothing', () => {
    fake = new FakeRoot().cmdline(`${TYPICAL} 0001,1,0a0000000011;0004,0,020000000004; quiet`);
    const first = fake.run('autoconfigure_networking.sh');
    expect(first.status).toBe(0);
    expect(changingCalls(first).map((c) => c.tool)).toEqual(['chzdev', 'chzdev', 'ip', 'ip']);
    const second = fake.run('autoconfigure_networking.sh');
    expect(second.status).toBe(0);
    expect(changingCalls(second)).toEqual([]);
    expect(second.stderr).toMatch(/device 0\.0\.0001 is already online, skipping/);
    expect(second.stderr).toMatch(/interface enc1 already has MAC 0a:00:00:00:00:11/);
  });

  it('skips a device that is online and keeps its MAC when it already matches', () => {
    fake = new FakeRoot()
      .cmdline('0001,0,0a0000000011;')
      .groupDevice('0.0.0001', { ifname: 'enc1', mac: '0A:00:00:00:00:11' });
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(0);
    expect(changingCalls(r)).toEqual([]);
  });

  it('warns about an online device on a different port and leaves it alone', () => {
    fake = new FakeRoot().cmdline('0001,1;').groupDevice('0.0.0001', { ifname: 'enc1', portno: 0 });
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(0);
    expect(changingCalls(r)).toEqual([]);
    expect(r.stderr).toMatch(/online on port 0, not 1/);
  });

  it('brings up a grouped but offline device through sysfs when only znetconf is installed', () => {
    fake = new FakeRoot(ALL_TOOLS.filter((t) => t !== 'chzdev'))
      .cmdline('0001,1,020000000001;')
      .groupDevice('0.0.0001', { online: false, ifname: 'enc1' });
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(0);
    expect(callsOf(r, 'znetconf')).toEqual([]);
    expect([
      fake.attr('0.0.0001', 'layer2'),
      fake.attr('0.0.0001', 'portno'),
      fake.attr('0.0.0001', 'online'),
    ]).toEqual(['1', '1', '1']);
    expect(callsOf(r, 'ip')).toEqual(['link set dev enc1 address 02:00:00:00:00:01']);
  });

  it('loads the qeth driver when it is missing', () => {
    fake = new FakeRoot().cmdline('0001,0;').qethDriverLoaded(false);
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(0);
    expect(callsOf(r, 'modprobe')).toEqual(['qeth']);
    const again = new FakeRoot().cmdline('0001,0;');
    try {
      expect(callsOf(again.run('autoconfigure_networking.sh'), 'modprobe')).toEqual([]);
    } finally {
      again.cleanup();
    }
  });

  it('a failing chzdev fails its entry, logs the tool output, and the other entries still run', () => {
    fake = new FakeRoot()
      .cmdline('0001,0,020000000001;0004,1,020000000004;0007,0,020000000007;')
      .failWhen('chzdev', '0.0.0004:');
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(1);
    expect(callsOf(r, 'chzdev')).toHaveLength(3);
    expect(callsOf(r, 'ip')).toEqual([
      'link set dev enc1 address 02:00:00:00:00:01',
      'link set dev enc7 address 02:00:00:00:00:07',
    ]);
    expect(r.stderr).toMatch(
      /'chzdev -e -a -y qeth 0\.0\.0004:0\.0\.0005:0\.0\.0006 layer2=1 portno=1' failed \(exit 3\): chzdev: simulated failure/,
    );
    // The same error reaches syslog/the journal through logger.
    expect(
      r.syslog.some(
        (l) => l.startsWith('daemon.err autoconfigure_networking.sh:') && /simulated failure/.test(l),
      ),
    ).toBe(true);
  });

  it('a failing znetconf fails its entry and the others still run', () => {
    fake = new FakeRoot(ALL_TOOLS.filter((t) => t !== 'chzdev'))
      .cmdline('0001,0;0004,1;')
      .failWhen('znetconf', '0.0.0001');
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(1);
    expect(callsOf(r, 'znetconf')).toEqual([
      '-a 0.0.0001 -o portno=0 -o layer2=1',
      '-a 0.0.0004 -o portno=1 -o layer2=1',
    ]);
    expect(fake.hasGroup('0.0.0004')).toBe(true);
    expect(r.stderr).toMatch(/znetconf: simulated failure for: -a 0\.0\.0001/);
  });

  it('a failing ip link leaves its message in the log and exits non-zero; other MACs are still set', () => {
    fake = new FakeRoot().cmdline('0001,0,020000000001;0004,0,020000000004;').failWhen('ip', 'dev enc1 ');
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /'ip link set dev enc1 address 02:00:00:00:00:01' failed \(exit 3\): ip: simulated failure/,
    );
    expect(r.syslog.join('\n')).toMatch(/daemon\.err .*ip: simulated failure/);
    expect(fake.address('enc4')).toBe('02:00:00:00:00:04');
  });

  it('rejects malformed, globally administered and conflicting entries with one log line each, configures the rest', () => {
    fake = new FakeRoot().cmdline(
      [
        TYPICAL,
        '0001,0,020000000001;' + // good
          '00g2,0,020000000002;' + // devno not hex
          '0003,2,020000000003;' + // port
          '0004,0,02000000004;' + // MAC too short
          '0005,0,001122334455;' + // globally administered MAC
          '0006,1,030000000006;' + // multicast MAC
          '0007,0,020000000007;0007,1,020000000007;' + // conflicting duplicate
          '0008,0,020000000008;0008,0,020000000008;' + // identical duplicate: harmless
          '0009,0,02:00:00:00:00:09;' + // colons
          '000a,0,;', // empty MAC
      ].join(' '),
    );
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(1);
    expect(callsOf(r, 'chzdev').map((c) => c.split(' ')[4])).toEqual([
      '0.0.0001:0.0.0002:0.0.0003',
      '0.0.0008:0.0.0009:0.0.000a',
    ]);
    const rejected = r.stderr.split('\n').filter((l) => l.includes('rejected entry'));
    expect(rejected).toHaveLength(8);
    expect(r.stderr).toMatch(/rejected entry '00g2,0,020000000002': expected <devno>,<port>\[,<mac>\]/);
    expect(r.stderr).toMatch(/rejected entry '0003,2,020000000003': port must be 0 or 1/);
    expect(r.stderr).toMatch(/rejected entry '0004,0,02000000004': MAC must be 12 hex digits/);
    expect(r.stderr).toMatch(
      /rejected entry '0005,0,001122334455': MAC 001122334455 is not a locally administered unicast/,
    );
    expect(r.stderr).toMatch(
      /rejected entry '0006,1,030000000006': MAC 030000000006 is not a locally administered/,
    );
    expect(r.stderr).toMatch(
      /rejected entry '0007,1,020000000007': device 0007 is already listed with different settings/,
    );
    expect(r.stderr).toMatch(/ignoring duplicate entry '0008,0,020000000008'/);
    expect(r.stderr).toMatch(/device 0007: not configured because of the rejected entries above/);
    expect(r.syslog.filter((l) => l.includes('rejected entry'))).toHaveLength(8);
  });

  it('accepts an entry without MAC (port only) and leaves the MAC alone', () => {
    fake = new FakeRoot().cmdline('0004,1;');
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(0);
    expect(callsOf(r, 'chzdev')).toEqual(['-e -a -y qeth 0.0.0004:0.0.0005:0.0.0006 layer2=1 portno=1']);
    expect(callsOf(r, 'ip')).toEqual([]);
  });

  it('is not confused by device numbers inside other parameters or inside MACs', () => {
    fake = new FakeRoot().cmdline(
      'rd.znet=qeth,0.0.0001,0.0.0002,0.0.0003,layer2=1,portno=1 rd.zfcp=0.0.0001,0x5005076300c213e9,0x0001000000000000 ' +
        'x=0001,0,020000000099; 0001;0,1; 0a00,0,020000000a00;',
    );
    const r = fake.run('autoconfigure_networking.sh');
    // Only 0a00 is an entry; the '0001;0,1;' token is malformed and rejected, nothing else is read.
    expect(callsOf(r, 'chzdev')).toEqual(['-e -a -y qeth 0.0.0a00:0.0.0a01:0.0.0a02 layer2=1 portno=0']);
    expect(callsOf(r, 'ip')).toEqual(['link set dev enca00 address 02:00:00:00:0a:00']);
    expect(r.stderr).toMatch(/rejected entry '0001'/);
    expect(r.stderr).toMatch(/rejected entry '0,1'/);
    expect(r.status).toBe(1);
  });

  it('handles a very long command line and cuts over-long rejected entries in the log', () => {
    const filler = Array.from({ length: 150 }, (_, i) => `param${i}=${'v'.repeat(20)}`).join(' ');
    const garbage = `0001,0,${'f'.repeat(500)}`;
    fake = new FakeRoot().cmdline(`${filler} ${garbage}; ${filler} 0002,1,020000000002;`);
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(1);
    expect(callsOf(r, 'chzdev')).toEqual(['-e -a -y qeth 0.0.0002:0.0.0003:0.0.0004 layer2=1 portno=1']);
    const line = r.stderr.split('\n').find((l) => l.includes('rejected entry'));
    expect(line).toContain(`'${garbage.slice(0, 61)}...'`);
    expect(line!.length).toBeLessThan(200);
  });

  it('fails when /proc/cmdline cannot be read', () => {
    fake = new FakeRoot();
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot read .*proc\/cmdline/);
  });

  it('rejects a device number at the end of the range (no room for a qeth group)', () => {
    fake = new FakeRoot().cmdline('fffe,0;0001,0;');
    const r = fake.run('autoconfigure_networking.sh');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/0\.0\.fffe: a qeth group needs three consecutive device numbers/);
    expect(callsOf(r, 'chzdev')).toEqual(['-e -a -y qeth 0.0.0001:0.0.0002:0.0.0003 layer2=1 portno=0']);
  });
});
