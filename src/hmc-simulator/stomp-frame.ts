// STOMP 1.2 frame encoding and an incremental decoder (heart-beat EOLs are skipped).

export interface Frame {
  command: string;
  headers: Record<string, string>;
  body: string;
}

const escape = (s: string): string =>
  s.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/:/g, '\\c');

const unescape = (s: string): string =>
  s.replace(/\\(.)/g, (_m, c: string) => ({ r: '\r', n: '\n', c: ':', '\\': '\\' })[c] ?? c);

/** Encodes a frame; CONNECTED headers are not escaped (STOMP 1.2). */
export function encodeFrame(f: Frame): Buffer {
  const esc = f.command === 'CONNECTED' ? (s: string) => s : escape;
  const body = Buffer.from(f.body, 'utf8');
  const lines = [f.command];
  for (const [k, v] of Object.entries(f.headers)) lines.push(`${esc(k)}:${esc(v)}`);
  if (body.length > 0) lines.push(`content-length:${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\n')}\n\n`, 'utf8'), body, Buffer.from([0])]);
}

export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns the complete frames. Throws on a malformed frame. */
  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    for (;;) {
      let start = 0;
      while (start < this.buf.length && (this.buf[start] === 0x0a || this.buf[start] === 0x0d)) start++;
      if (start > 0) this.buf = this.buf.subarray(start);
      const headEnd = this.findHeadEnd();
      if (headEnd === undefined) return out;
      const head = this.buf.subarray(0, headEnd.at).toString('utf8').split(/\r?\n/);
      const command = head.shift() ?? '';
      const headers: Record<string, string> = {};
      const raw = command === 'CONNECT' || command === 'STOMP';
      for (const line of head) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const k = raw ? line.slice(0, i) : unescape(line.slice(0, i));
        if (!(k in headers)) headers[k] = raw ? line.slice(i + 1) : unescape(line.slice(i + 1));
      }
      const bodyStart = headEnd.at + headEnd.len;
      let bodyEnd: number;
      if (headers['content-length'] !== undefined) {
        bodyEnd = bodyStart + Number(headers['content-length']);
        if (this.buf.length < bodyEnd + 1) return out;
      } else {
        const nul = this.buf.indexOf(0, bodyStart);
        if (nul < 0) return out;
        bodyEnd = nul;
      }
      out.push({ command, headers, body: this.buf.subarray(bodyStart, bodyEnd).toString('utf8') });
      this.buf = this.buf.subarray(bodyEnd + 1);
    }
  }

  private findHeadEnd(): { at: number; len: number } | undefined {
    const a = this.buf.indexOf('\n\n');
    const b = this.buf.indexOf('\r\n\r\n');
    if (a < 0 && b < 0) return undefined;
    if (b >= 0 && (a < 0 || b < a)) return { at: b, len: 4 };
    return { at: a, len: 2 };
  }
}
