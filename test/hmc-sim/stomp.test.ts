// The STOMP 1.2 broker: login, subscribe, MESSAGE headers, sequence gaps from dropped
// notifications, DISCONNECT receipts, and rejected logins. Uses a raw TLS client.
import tls from 'node:tls';
import { startSimulator, type RunningSimulator } from '../../src/hmc-simulator/index.js';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/hmc-simulator/stomp-frame.js';
import { CPC, partitionBody, request, waitJob } from './http.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, stompPort: 0, jobDurationMs: 20 });
});
afterAll(() => sim.stop());
afterEach(() => sim.admin.clearFaults());

class Client {
  readonly frames: Frame[] = [];
  private readonly decoder = new FrameDecoder();
  constructor(readonly socket: tls.TLSSocket) {
    socket.on('data', (d: Buffer) => this.frames.push(...this.decoder.push(d)));
  }
  static connect(): Promise<Client> {
    return new Promise((resolve, reject) => {
      const s = tls.connect(
        { host: '127.0.0.1', port: sim.stompPort, ca: sim.caPem, servername: 'localhost' },
        () => resolve(new Client(s)),
      );
      s.on('error', reject);
    });
  }
  send(command: string, headers: Record<string, string>): void {
    this.socket.write(encodeFrame({ command, headers, body: '' }));
  }
  async waitFor(pred: (f: Frame) => boolean, ms = 3000): Promise<Frame> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const f = this.frames.find(pred);
      if (f) return f;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no matching frame; got ${JSON.stringify(this.frames)}`);
  }
}

async function logonFull(): Promise<Record<string, string>> {
  const r = await request(sim, 'POST', '/api/sessions', {
    body: { userid: sim.userid, password: sim.password },
  });
  return r.body as unknown as Record<string, string>;
}

test('session login, status-change and job-completion messages, gap after dropped notifications', async () => {
  const logon = await logonFull();
  const session = logon['api-session'] ?? '';
  const c = await Client.connect();
  c.send('CONNECT', {
    'accept-version': '1.2',
    host: 'localhost',
    login: session,
    passcode: logon['session-credential'] ?? '',
    'heart-beat': '0,0',
  });
  expect((await c.waitFor((f) => f.command === 'CONNECTED')).headers['version']).toBe('1.2');
  c.send('SUBSCRIBE', {
    id: '1',
    destination: `/topic/${logon['notification-topic']}`,
    ack: 'auto',
    receipt: 'r1',
  });
  c.send('SUBSCRIBE', { id: '2', destination: `/topic/${logon['job-notification-topic']}`, ack: 'auto' });
  await c.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === 'r1');

  const created = await request(sim, 'POST', `${CPC}/partitions`, {
    session,
    body: partitionBody('stomp-1', { 'boot-device': 'storage-adapter' }),
  });
  const uri = String(created.body['object-uri']);
  const add = await c.waitFor((f) => f.headers['notification-type'] === 'inventory-change');
  expect(add.headers).toMatchObject({
    subscription: '1',
    action: 'add',
    class: 'partition',
    'object-uri': uri,
  });
  expect(add.headers['message-id']).toBeTruthy();

  await sim.admin.setFaults([{ kind: 'drop-notifications', count: 1 }]);
  const start = await request(sim, 'POST', `${uri}/operations/start`, { session });
  const jobUri = String(start.body['job-uri']);
  await waitJob(sim, session, jobUri);
  const done = await c.waitFor((f) => f.headers['notification-type'] === 'job-completion');
  expect(done.headers).toMatchObject({ subscription: '2', 'job-uri': jobUri });
  expect(done.body).toBe('');
  const active = await c.waitFor((f) => f.headers['notification-type'] === 'status-change');
  expect(JSON.parse(active.body)).toEqual({
    'change-reports': [
      { 'new-status': 'active', 'new-additional-status': '', 'has-unacceptable-status': false },
    ],
  });
  // 'starting' (seq 1) was dropped: the client sees 0 then 2.
  const seqs = c.frames
    .filter((f) => f.headers['subscription'] === '1')
    .map((f) => f.headers['session-sequence-nr']);
  expect(seqs).toEqual(['0', '2']);

  c.send('DISCONNECT', { receipt: 'bye' });
  await c.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === 'bye');
});

test('wrong passcode gets an ERROR frame and the connection closes', async () => {
  const c = await Client.connect();
  const closed = new Promise((r) => c.socket.on('close', r));
  c.send('STOMP', { 'accept-version': '1.2', login: sim.userid, passcode: 'wrong' });
  const err = await c.waitFor((f) => f.command === 'ERROR');
  expect(err.headers['message']).toMatch(/Authentication failed/);
  await closed;
});

test('subscribing to an unknown topic is an ERROR', async () => {
  const c = await Client.connect();
  c.send('CONNECT', { 'accept-version': '1.2', login: sim.userid, passcode: sim.password });
  await c.waitFor((f) => f.command === 'CONNECTED');
  c.send('SUBSCRIBE', { id: '1', destination: '/topic/nope' });
  expect((await c.waitFor((f) => f.command === 'ERROR')).headers['message']).toMatch(/unknown topic/);
});
