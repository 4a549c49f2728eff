// The simulator's operating system messages, driven through the project's HMC client: the boot log
// of a started partition (IPL device, kernel command line with the guest tools' entries, NICs by
// device number, login prompt), list filters, OS commands, the OS message channel (live and
// refresh messages), and the guest's error after a failed start.
import { HmcSession } from '../../src/hmc/session.js';
import { followOsMessages, OsMessageManager, type OsMessageInfo } from '../../src/hmc/os-messages.js';
import { StompConnection } from '../../src/hmc/stomp.js';
import { startSimulator, type RunningSimulator } from '../../src/hmc-simulator/index.js';
import { CPC, logon, partitionBody, request, waitJob } from '../hmc-sim/http.js';

const FCP_PORT = '/api/adapters/a1b2c3d4-0000-4000-8000-0000000000f1/storage-ports/0';
const OSA_VSWITCH = '/api/virtual-switches/a1b2c3d4-0000-4000-8000-0000000000b1';

let sim: RunningSimulator;
let raw: string;
let hmc: HmcSession;
let os: OsMessageManager;

beforeAll(async () => {
  // The z13 seed: FCP storage through HBAs, so a partition boots from a LUN through its HBA.
  sim = await startSimulator({ port: 0, stompPort: 0, jobDurationMs: 20, seedName: 'z13' });
  raw = await logon(sim);
  hmc = new HmcSession({
    hosts: [`127.0.0.1:${sim.port}`],
    userid: sim.userid,
    password: sim.password,
    ca: sim.caPem,
  });
  os = new OsMessageManager(hmc);
});
afterAll(async () => {
  await hmc.close();
  await sim.stop();
});
afterEach(() => sim.admin.clearFaults());

/** A partition with one OSA NIC and one HBA that boots from an FCP LUN through it. */
async function bootablePartition(name: string): Promise<{ uri: string; devno: string; hbaDevno: string }> {
  const c = await request(sim, 'POST', `${CPC}/partitions`, { session: raw, body: partitionBody(name) });
  const uri = String(c.body['object-uri']);
  const nic = await request(sim, 'POST', `${uri}/nics`, {
    session: raw,
    body: { name: 'eth0', 'virtual-switch-uri': OSA_VSWITCH, 'device-number': '1000' },
  });
  expect(nic.status).toBe(201);
  const hba = await request(sim, 'POST', `${uri}/hbas`, {
    session: raw,
    body: { name: 'hba-a', 'adapter-port-uri': FCP_PORT, 'device-number': '1800' },
  });
  expect(hba.status).toBe(201);
  const upd = await request(sim, 'POST', uri, {
    session: raw,
    body: {
      'boot-device': 'storage-adapter',
      'boot-storage-device': hba.body['element-uri'],
      'boot-world-wide-port-name': '500507680b2145f0',
      'boot-logical-unit-number': '0001000000000000',
      'boot-os-specific-parameters': '1000,0,02aabbccdd01; quiet',
    },
  });
  expect(upd.status).toBe(204);
  return { uri, devno: '1000', hbaDevno: '1800' };
}

async function op(uri: string, what: 'start' | 'stop'): Promise<Record<string, unknown>> {
  const r = await request(sim, 'POST', `${uri}/operations/${what}`, { session: raw });
  expect(r.status).toBe(202);
  return (await waitJob(sim, raw, String(r.body['job-uri']))).body;
}

const texts = (ms: readonly OsMessageInfo[]): string[] => ms.map((m) => m['message-text']);

async function until<T>(what: string, f: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('a started partition shows its boot log; filters, commands and the channel work', async () => {
  const { uri } = await bootablePartition('os-boot');
  expect(await os.list(uri)).toEqual([]);

  const live: OsMessageInfo[] = [];
  const follower = await followOsMessages(hmc, uri, (m) => live.push(m), { stompPort: sim.stompPort });
  try {
    expect((await op(uri, 'start'))['job-status-code']).toBe(204);
    await sim.admin.resetStats();
    const all = await os.list(uri);
    const stats = await sim.admin.stats();
    expect(stats.routes['GET /api/partitions/{id}/operations/list-os-messages']?.count).toBe(1);
    expect(stats.total).toBe(1);

    const log = texts(all);
    expect(log[0]).toBe('IPL from FCP device 0.0.1800 WWPN 0x500507680b2145f0 LUN 0x0001000000000000');
    expect(log).toContain(
      'Kernel command line: root=/dev/disk/by-label/cloudimg-rootfs ro console=ttysclp0 1000,0,02aabbccdd01; quiet',
    );
    expect(log).toContain('qeth 0.0.1000 enc1000: MAC address 02:aa:bb:cc:dd:01 successfully registered');
    const last = all[all.length - 1]!;
    expect(last).toMatchObject({
      'message-text': 'os-boot login: ',
      'is-held': true,
      'prompt-text': 'os-boot login: ',
    });
    all.forEach((m, i) => {
      expect(m['sequence-number']).toBe(i);
      expect(m).toMatchObject({ 'is-refresh': false, 'os-name': expect.any(String) });
      expect(typeof m.timestamp).toBe('number');
    });

    // begin/end/max-messages/is-held as the HMC applies them.
    expect(texts(await os.list(uri, { begin: 2, end: 4 }))).toEqual(log.slice(2, 5));
    expect(texts(await os.list(uri, { begin: 3, maxMessages: 2 }))).toEqual(log.slice(3, 5));
    expect(texts(await os.list(uri, { isHeld: true }))).toEqual(['os-boot login: ']);
    expect((await os.list(uri, { isPriority: true })).length).toBe(0);
    const bad = await request(sim, 'GET', `${uri}/operations/list-os-messages?max-messages=x`, {
      session: raw,
    });
    expect([bad.status, bad.body.reason]).toEqual([400, 14]);
    const unknown = await request(sim, 'GET', `${uri}/operations/list-os-messages?since=1`, { session: raw });
    expect([unknown.status, unknown.body.reason]).toEqual([400, 1]);

    // The channel delivered every message of the boot, each once, in order.
    await until('the login prompt live', () => (live.length === all.length ? true : undefined));
    expect(live.map((m) => m['sequence-number'])).toEqual(all.map((m) => m['sequence-number']));

    await os.send(uri, 'hostname');
    await os.send(uri, 'ip a', true);
    await os.send(uri, 'uname -a');
    const after = await os.list(uri, { begin: all.length });
    expect(texts(after)).toEqual([
      'root@os-boot:~# hostname',
      'os-boot',
      'root@os-boot:~# ',
      'root@os-boot:~# ip a',
      expect.stringContaining('2: enc1000: <BROADCAST,MULTICAST,UP,LOWER_UP>'),
      'root@os-boot:~# ',
      'root@os-boot:~# uname -a',
      expect.stringMatching(/^Linux os-boot 6\.8\.0-\S+ #52-Ubuntu SMP s390x/),
      'root@os-boot:~# ',
    ]);
    expect(after[4]!['message-text']).toContain('link/ether 02:aa:bb:cc:dd:01');
    expect(after[3]!['is-priority']).toBe(true);
    await until('the command answers live', () =>
      live.length === all.length + after.length ? true : undefined,
    );
    expect(texts(live.slice(all.length))).toEqual(texts(after));

    // The session lists its OS message topic.
    const topics = await hmc.get<{ topics: Record<string, unknown>[] }>(
      '/api/sessions/operations/get-notification-topics',
    );
    expect(topics.topics).toContainEqual(
      expect.objectContaining({ 'topic-type': 'os-message-notification', 'object-uri': uri }),
    );

    expect((await op(uri, 'stop'))['job-status-code']).toBe(204);
    expect(texts(await os.list(uri, { begin: all.length + after.length }))).toContain(
      'reboot: Power down (os-boot)',
    );
    const stopped = await request(sim, 'POST', `${uri}/operations/send-os-cmd`, {
      session: raw,
      body: { 'operating-system-command-text': 'hostname' },
    });
    expect([stopped.status, stopped.body.reason]).toEqual([409, 332]);
  } finally {
    await follower.close();
  }
});

test('a channel opened with refresh messages resends the kept messages on subscribe', async () => {
  const { uri } = await bootablePartition('os-refresh');
  await op(uri, 'start');
  const kept = await os.list(uri);
  const topic = await os.openChannel(uri, true);
  const info = hmc.sessionInfo!;
  const conn = await StompConnection.connect({
    host: '127.0.0.1',
    port: sim.stompPort,
    login: info.sessionId,
    passcode: info.sessionCredential,
    ca: sim.caPem,
  });
  const got: OsMessageInfo[] = [];
  conn.on('message', (f: { headers: Record<string, string>; body: Buffer }) => {
    expect(f.headers['notification-type']).toBe('os-message');
    expect(f.headers['object-uri']).toBe(uri);
    got.push(...(JSON.parse(f.body.toString('utf8')) as { 'os-messages': OsMessageInfo[] })['os-messages']);
  });
  conn.subscribe(`/topic/${topic}`, 'x');
  try {
    await until('refresh messages', () => (got.length >= kept.length ? true : undefined));
    expect(got.map((m) => m['sequence-number'])).toEqual(kept.map((m) => m['sequence-number']));
    expect(got.every((m) => m['is-refresh'])).toBe(true);
  } finally {
    await conn.disconnect(1000);
  }
});

test('a failed start shows the error the guest printed', async () => {
  const { uri } = await bootablePartition('os-fail');
  await sim.admin.setFaults([
    {
      kind: 'job-failure',
      operation: 'start',
      httpStatus: 409,
      reason: 131,
      message: 'The OS failed to load',
    },
  ]);
  const job = await op(uri, 'start');
  expect([job['job-status-code'], job['job-reason-code']]).toEqual([409, 131]);
  const log = await os.list(uri);
  expect(log[0]!['message-text']).toMatch(/^IPL from FCP device 0\.0\.1800/);
  const panic = log[log.length - 1]!;
  expect(panic).toMatchObject({
    'message-text': 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)',
    'is-priority': true,
  });
  expect(texts(log).some((t) => t.includes('login:'))).toBe(false);
});
