/**
 * STOMP 1.2 frame encoding and incremental decoding (https://stomp.github.io/stomp-specification-1.2.html).
 * Pure functions: no sockets. Header values are escaped except in CONNECT/CONNECTED frames.
 */

export interface StompFrame {
  readonly command: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

const NO_ESCAPE = new Set(['CONNECT', 'CONNECTED', 'STOMP']);

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/:/g, '\\c');
}

function unescape(value: string): string {
  return value.replace(/\\([\\rnc])/g, (_m, c: string) =>
    c === 'r' ? '\r' : c === 'n' ? '\n' : c === 'c' ? ':' : '\\',
  );
}

/** Serialize a frame (with content-length when there is a body). */
export function encodeFrame(
  command: string,
  headers: Record<string, string> = {},
  body: string | Buffer = '',
): Buffer {
  const bodyBuf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const esc = NO_ESCAPE.has(command) ? (v: string): string => v : escape;
  const lines = [command];
  for (const [k, v] of Object.entries(headers)) lines.push(`${esc(k)}:${esc(v)}`);
  if (bodyBuf.length > 0) lines.push(`content-length:${bodyBuf.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\n')}\n\n`, 'utf8'), bodyBuf, Buffer.from([0])]);
}

/** Accumulates bytes from a socket and yields complete frames; heart-beat EOLs are counted. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  /** Feed bytes; returns the frames completed by them. Throws on a malformed frame. */
  push(chunk: Buffer): StompFrame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: StompFrame[] = [];
    for (;;) {
      // Skip heart-beats (EOLs between frames).
      let start = 0;
      while (start < this.buf.length && (this.buf[start] === 0x0a || this.buf[start] === 0x0d)) start++;
      if (start > 0) this.buf = this.buf.subarray(start);
      const frame = this.next();
      if (!frame) return frames;
      frames.push(frame);
    }
  }

  private next(): StompFrame | undefined {
    const headerEnd = findHeaderEnd(this.buf);
    if (!headerEnd) return undefined;
    const head = this.buf.subarray(0, headerEnd.index).toString('utf8');
    const lines = head.split(/\r?\n/);
    const command = lines.shift() ?? '';
    const esc = NO_ESCAPE.has(command) ? (v: string): string => v : unescape;
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon < 0) throw new Error(`malformed STOMP header line: ${JSON.stringify(line)}`);
      const key = esc(line.slice(0, colon));
      if (!(key in headers)) headers[key] = esc(line.slice(colon + 1)); // first occurrence wins (1.2)
    }
    const bodyStart = headerEnd.index + headerEnd.length;
    const lengthHeader = headers['content-length'];
    let bodyEnd: number;
    if (lengthHeader !== undefined) {
      const length = Number(lengthHeader);
      if (!Number.isInteger(length) || length < 0) throw new Error(`bad content-length ${lengthHeader}`);
      if (this.buf.length < bodyStart + length + 1) return undefined;
      bodyEnd = bodyStart + length;
      if (this.buf[bodyEnd] !== 0) throw new Error('STOMP frame body not terminated by NUL');
    } else {
      bodyEnd = this.buf.indexOf(0, bodyStart);
      if (bodyEnd < 0) return undefined;
    }
    const body = Buffer.from(this.buf.subarray(bodyStart, bodyEnd));
    this.buf = this.buf.subarray(bodyEnd + 1);
    return { command, headers, body };
  }
}

function findHeaderEnd(buf: Buffer): { index: number; length: number } | undefined {
  const lf = buf.indexOf('\n\n');
  const crlf = buf.indexOf('\r\n\r\n');
  if (lf < 0 && crlf < 0) return undefined;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { index: crlf, length: 4 };
  return { index: lf, length: 2 };
}
