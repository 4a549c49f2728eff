import { EventEmitter } from 'node:events';
import tls from 'node:tls';
import { HmcConnectionError, HmcTlsError } from './errors.js';
import { encodeFrame, FrameDecoder, type StompFrame } from './stomp-frame.js';

/**
 * A minimal STOMP 1.2 client over TLS, enough for HMC notifications: CONNECT with login/passcode,
 * heart-beats both ways, SUBSCRIBE with ack=auto, MESSAGE delivery, DISCONNECT with a receipt.
 * One instance is one connection; reconnecting is the caller's job (see notifications.ts).
 *
 * Events: `message` (StompFrame), `close` (Error | undefined: undefined after disconnect()).
 */
export interface StompConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly login: string;
  readonly passcode: string;
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  readonly insecureSkipTLSVerify?: boolean;
  /** Heart-beat period offered both ways (default 5000 ms, like zhmcclient/stomp.py). */
  readonly heartBeatMs?: number;
  /** Timeout of TCP+TLS+CONNECT (default 10 s). */
  readonly connectTimeoutMs?: number;
}

/** The broker refused the connection or a subscription (an ERROR frame). */
export class StompError extends Error {
  override readonly name = 'StompError';
  readonly code = 'HMC_STOMP_ERROR';
  constructor(
    message: string,
    readonly headers: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

export class StompConnection extends EventEmitter {
  private readonly decoder = new FrameDecoder();
  private lastReceived = Date.now();
  private sendTimer: NodeJS.Timeout | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private emittedClose = false;
  private readonly receiptWaiters = new Map<string, () => void>();

  private constructor(private readonly socket: tls.TLSSocket) {
    super();
  }

  /** Open TLS, send CONNECT, resolve on CONNECTED. Rejects with HmcTlsError, HmcConnectionError or StompError. */
  static connect(opts: StompConnectOptions): Promise<StompConnection> {
    const heartBeat = opts.heartBeatMs ?? 5000;
    const hostLabel = `${opts.host}:${opts.port}`;
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        host: opts.host,
        port: opts.port,
        ca: opts.ca as string | Buffer | Array<string | Buffer> | undefined,
        rejectUnauthorized: opts.insecureSkipTLSVerify !== true,
        servername: isIp(opts.host) ? undefined : opts.host,
      });
      const conn = new StompConnection(socket);
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        socket.destroy();
        reject(err);
      };
      const timeout = setTimeout(
        () =>
          fail(
            new HmcConnectionError({
              host: hostLabel,
              message: `STOMP connect to ${hostLabel} timed out`,
              beforeSend: false,
            }),
          ),
        opts.connectTimeoutMs ?? 10_000,
      );
      socket.once('secureConnect', () => {
        socket.write(
          encodeFrame('CONNECT', {
            'accept-version': '1.2',
            host: opts.host,
            login: opts.login,
            passcode: opts.passcode,
            'heart-beat': `${heartBeat},${heartBeat}`,
          }),
        );
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (!settled) fail(toConnectionError(err, hostLabel));
        else conn.shutdown(toConnectionError(err, hostLabel));
      });
      socket.on('close', () => {
        if (!settled)
          fail(
            new HmcConnectionError({
              host: hostLabel,
              message: `STOMP connection to ${hostLabel} closed`,
              beforeSend: false,
            }),
          );
        else conn.shutdown(conn.closed ? undefined : new Error(`STOMP connection to ${hostLabel} closed`));
      });
      socket.on('data', (chunk: Buffer) => {
        conn.lastReceived = Date.now();
        let frames: StompFrame[];
        try {
          frames = conn.decoder.push(chunk);
        } catch (err) {
          const e = err instanceof Error ? err : new Error(String(err));
          if (!settled) fail(e);
          else conn.shutdown(e);
          return;
        }
        for (const frame of frames) {
          if (!settled) {
            if (frame.command === 'CONNECTED') {
              settled = true;
              clearTimeout(timeout);
              conn.startHeartBeats(heartBeat, frame.headers['heart-beat']);
              resolve(conn);
            } else {
              fail(errorFrame(frame));
            }
            continue;
          }
          conn.onFrame(frame);
        }
      });
    });
  }

  /** SUBSCRIBE to a destination (e.g. `/topic/<topic-name>`) with ack=auto. */
  subscribe(destination: string, id: string): void {
    this.write(encodeFrame('SUBSCRIBE', { id, destination, ack: 'auto' }));
  }

  /**
   * SUBSCRIBE with a receipt: resolves true once the broker confirmed (nothing published later is missed),
   * false after `timeoutMs` without one.
   */
  subscribeConfirmed(destination: string, id: string, timeoutMs = 5000): Promise<boolean> {
    const receipt = `subscribe-${id}-${Date.now()}`;
    return new Promise<boolean>((resolve) => {
      const t = setTimeout(() => {
        this.receiptWaiters.delete(receipt);
        resolve(false);
      }, timeoutMs);
      this.receiptWaiters.set(receipt, () => {
        clearTimeout(t);
        this.receiptWaiters.delete(receipt);
        resolve(true);
      });
      this.write(encodeFrame('SUBSCRIBE', { id, destination, ack: 'auto', receipt }));
    });
  }

  /** Send DISCONNECT, wait for its receipt (at most `timeoutMs`), close the socket. Never throws. */
  async disconnect(timeoutMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const receipt = `disconnect-${Date.now()}`;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.receiptWaiters.set(receipt, () => {
        clearTimeout(t);
        resolve();
      });
      this.write(encodeFrame('DISCONNECT', { receipt }));
    });
    this.shutdown(undefined);
  }

  /** Drop the connection at once (no DISCONNECT). */
  destroy(): void {
    this.closed = true;
    this.shutdown(undefined);
  }

  private onFrame(frame: StompFrame): void {
    if (frame.command === 'MESSAGE') this.emit('message', frame);
    else if (frame.command === 'RECEIPT') this.receiptWaiters.get(frame.headers['receipt-id'] ?? '')?.();
    else if (frame.command === 'ERROR') this.shutdown(errorFrame(frame));
  }

  private startHeartBeats(ours: number, serverHeader: string | undefined): void {
    const [sx, sy] = (serverHeader ?? '0,0').split(',').map((v) => Number(v) || 0);
    const sendEvery = ours > 0 && (sy ?? 0) > 0 ? Math.max(ours, sy ?? 0) : 0;
    const expectEvery = ours > 0 && (sx ?? 0) > 0 ? Math.max(ours, sx ?? 0) : 0;
    if (sendEvery > 0) {
      this.sendTimer = setInterval(() => this.write(Buffer.from('\n')), sendEvery);
      this.sendTimer.unref();
    }
    if (expectEvery > 0) {
      this.watchTimer = setInterval(() => {
        if (Date.now() - this.lastReceived > 2 * expectEvery) {
          this.shutdown(new Error(`no STOMP heart-beat for ${2 * expectEvery} ms`));
        }
      }, expectEvery);
      this.watchTimer.unref();
    }
  }

  private write(data: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  private shutdown(err: Error | undefined): void {
    clearInterval(this.sendTimer);
    clearInterval(this.watchTimer);
    this.sendTimer = this.watchTimer = undefined;
    if (!this.socket.destroyed) this.socket.destroy();
    if (!this.emittedClose) {
      this.emittedClose = true;
      this.emit('close', err);
    }
  }
}

function errorFrame(frame: StompFrame): StompError {
  const detail = frame.headers.message ?? (frame.body.toString('utf8').slice(0, 200) || frame.command);
  return new StompError(`STOMP ${frame.command}: ${detail}`, frame.headers);
}

function toConnectionError(err: NodeJS.ErrnoException, host: string): HmcConnectionError {
  const code = err.code;
  const isTls =
    code !== undefined &&
    (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code) ||
      code.startsWith('ERR_TLS_') ||
      code.startsWith('ERR_SSL_'));
  const init = { host, message: `STOMP ${host}: ${err.message}`, causeCode: code, beforeSend: true };
  return isTls ? new HmcTlsError(init) : new HmcConnectionError(init);
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
