// A small STOMP 1.2 broker over TLS for HMC notifications: CONNECT/STOMP (HMC userid+password or
// session id + session credential), SUBSCRIBE/UNSUBSCRIBE to `/topic/<name>`, DISCONNECT with
// receipt, heart-beats, and MESSAGE frames with subscription, message-id and destination.
import tls from 'node:tls';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { encodeFrame, FrameDecoder, type Frame } from './stomp-frame.js';
import type { NotificationHub, TopicSubscriber } from './notifications.js';
import type { SessionStore } from './sessions.js';
import { listenOn } from './listen.js';

export interface StompDeps {
  hub: NotificationHub;
  sessions: SessionStore;
  userid: () => string;
  password: () => string;
  heartbeatMs: number;
  tls: { key: string; cert: string };
  log: Logger;
}

export interface StompServer {
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

let messageCounter = 0;

class Connection {
  private readonly decoder = new FrameDecoder();
  private connected = false;
  private readonly subs = new Map<string, { topic: string; sub: TopicSubscriber }>();
  private sendTimer?: NodeJS.Timeout;
  private recvTimer?: NodeJS.Timeout;
  private lastRecv = Date.now();

  constructor(
    private readonly socket: tls.TLSSocket,
    private readonly deps: StompDeps,
  ) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('close', () => this.cleanup());
    socket.on('error', () => this.cleanup());
  }

  private onData(d: Buffer): void {
    this.lastRecv = Date.now();
    let frames: Frame[];
    try {
      frames = this.decoder.push(d);
    } catch {
      this.error('malformed frame');
      return;
    }
    for (const f of frames) this.onFrame(f);
  }

  private write(f: Frame): void {
    if (!this.socket.destroyed) this.socket.write(encodeFrame(f));
  }

  private error(message: string, receipt?: string): void {
    this.deps.log.warn({ remotePort: this.socket.remotePort }, `STOMP ERROR frame sent: ${message}`);
    this.write({
      command: 'ERROR',
      headers: { message, ...(receipt ? { 'receipt-id': receipt } : {}) },
      body: message,
    });
    this.socket.end();
    this.cleanup();
  }

  private receipt(f: Frame): void {
    const r = f.headers['receipt'];
    if (r !== undefined) this.write({ command: 'RECEIPT', headers: { 'receipt-id': r }, body: '' });
  }

  private onFrame(f: Frame): void {
    if (f.command === 'CONNECT' || f.command === 'STOMP') return this.onConnect(f);
    if (!this.connected) return this.error('not connected');
    switch (f.command) {
      case 'SUBSCRIBE':
        return this.onSubscribe(f);
      case 'UNSUBSCRIBE': {
        const s = this.subs.get(f.headers['id'] ?? '');
        if (!s) return this.error(`no subscription ${f.headers['id'] ?? ''}`, f.headers['receipt']);
        this.deps.hub.unsubscribe(s.topic, s.sub);
        this.subs.delete(f.headers['id'] ?? '');
        return this.receipt(f);
      }
      case 'DISCONNECT':
        this.receipt(f);
        this.socket.end();
        return this.cleanup();
      case 'ACK':
      case 'NACK':
        return this.receipt(f);
      default:
        return this.error(`unsupported command ${f.command}`, f.headers['receipt']);
    }
  }

  private onConnect(f: Frame): void {
    const login = f.headers['login'] ?? '';
    const passcode = f.headers['passcode'] ?? '';
    const ok =
      (login === this.deps.userid() && passcode === this.deps.password()) ||
      this.deps.sessions.byCredential(login, passcode) !== undefined;
    if (!ok) return this.error('Authentication failed: invalid login or passcode');
    const versions = (f.headers['accept-version'] ?? '1.0').split(',');
    if (!versions.includes('1.2') && !versions.includes('1.1'))
      return this.error('Supported protocol versions are 1.1 and 1.2');
    const [cx = 0, cy = 0] = (f.headers['heart-beat'] ?? '0,0').split(',').map((n) => Number(n) || 0);
    const hb = this.deps.heartbeatMs;
    this.connected = true;
    this.write({
      command: 'CONNECTED',
      headers: {
        version: versions.includes('1.2') ? '1.2' : '1.1',
        'heart-beat': `${hb},${hb}`,
        server: 'dpm-operator-hmc-sim/1.0',
        session: randomUUID(),
      },
      body: '',
    });
    if (cy > 0 && hb > 0) {
      const every = Math.max(hb, cy);
      this.sendTimer = setInterval(() => !this.socket.destroyed && this.socket.write('\n'), every);
    }
    if (cx > 0 && hb > 0) {
      const grace = Math.max(hb, cx) * 3;
      this.recvTimer = setInterval(
        () => {
          if (Date.now() - this.lastRecv > grace) {
            this.deps.log.warn('STOMP client missed heart-beats; closing');
            this.socket.destroy();
            this.cleanup();
          }
        },
        Math.max(hb, cx),
      );
    }
  }

  private onSubscribe(f: Frame): void {
    const id = f.headers['id'];
    const dest = f.headers['destination'] ?? '';
    if (id === undefined) return this.error('SUBSCRIBE needs an id header', f.headers['receipt']);
    if (!dest.startsWith('/topic/')) return this.error(`unknown destination ${dest}`, f.headers['receipt']);
    const topic = dest.slice('/topic/'.length);
    if (!this.deps.hub.topicExists(topic)) return this.error(`unknown topic ${topic}`, f.headers['receipt']);
    const sub: TopicSubscriber = {
      deliver: (_t, headers, body) =>
        this.write({
          command: 'MESSAGE',
          headers: {
            subscription: id,
            'message-id': `ID:hmcsim-${++messageCounter}`,
            destination: dest,
            'content-type': 'application/json',
            ...headers,
          },
          body,
        }),
    };
    this.subs.set(id, { topic, sub });
    this.deps.hub.subscribe(topic, sub);
    this.receipt(f);
  }

  cleanup(): void {
    for (const s of this.subs.values()) this.deps.hub.unsubscribe(s.topic, s.sub);
    this.subs.clear();
    clearInterval(this.sendTimer);
    clearInterval(this.recvTimer);
  }
}

export function createStompServer(deps: StompDeps): StompServer {
  const conns = new Set<tls.TLSSocket>();
  // TLS 1.2 at most: a TLS 1.3 server sends session tickets after the handshake, and stomp.py < 9 (the
  // 8.x zhmcclient 1.26 requires) reads them in its receiver thread while its main thread writes
  // CONNECT on the same SSL object; about 3 connects in 100 then hang with no CONNECTED
  // (stomp.py issues #450/#452). An HMC's TLS settings can be TLS 1.2 alike.
  const tlsOpts = { key: deps.tls.key, cert: deps.tls.cert, maxVersion: 'TLSv1.2' } as const;
  const server = tls.createServer(tlsOpts, (socket) => {
    conns.add(socket);
    socket.on('close', () => conns.delete(socket));
    new Connection(socket, deps);
  });
  server.on('tlsClientError', (e) => deps.log.warn({ err: e.message }, 'STOMP TLS handshake failed'));
  return {
    listen: (port, host) => listenOn(server, port, host),
    close: () =>
      new Promise((resolve) => {
        for (const s of conns) s.destroy();
        server.close(() => resolve());
      }),
  };
}
