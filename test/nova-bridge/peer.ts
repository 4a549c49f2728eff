// Drives test/nova-bridge/peer/nova_peer.py: the real nova rpcapi as sender and a conductor whose
// calls are recorded to a JSON lines file.
import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ConductorCall {
  method: string;
  objname: string;
  objmethod: string;
  uuid?: string;
  version?: string;
  kwargs?: Record<string, unknown>;
  changes?: Record<string, unknown>;
  error?: string;
  result?: unknown;
}

export interface PeerReply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { type: string; message: string; exc_type?: string };
}

/** Builds (once, cached by hash) the venv with nova + oslo.messaging; returns its python. */
export function novaPython(): { python: string; setupMs: number } {
  const t0 = Date.now();
  const venv = execFileSync('bash', ['tools/python/setup.sh', 'tools/python/requirements-nova.txt'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return { python: join(venv, 'bin', 'python'), setupMs: Date.now() - t0 };
}

export class NovaPeer {
  private nextId = 1;
  private readonly waiting = new Map<number, (r: PeerReply) => void>();
  private stderr = '';

  private constructor(
    private readonly proc: ChildProcessWithoutNullStreams,
    readonly recordFile: string,
  ) {}

  static async start(opts: {
    python: string;
    transportUrl: string;
    host: string;
    recordFile: string;
  }): Promise<NovaPeer> {
    const proc = spawn(
      opts.python,
      [
        join(process.cwd(), 'test/nova-bridge/peer/nova_peer.py'),
        '--transport-url',
        opts.transportUrl,
        '--host',
        opts.host,
        '--record',
        opts.recordFile,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const peer = new NovaPeer(proc, opts.recordFile);
    proc.stderr.on('data', (d: Buffer) => {
      peer.stderr = (peer.stderr + d.toString()).slice(-20_000);
    });
    const lines = createInterface({ input: proc.stdout });
    const ready = new Promise<void>((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`nova peer exited ${code}: ${peer.stderr}`)));
      lines.on('line', (line) => {
        const msg = JSON.parse(line) as PeerReply & { ready?: boolean };
        if (msg.ready) return resolve();
        peer.waiting.get(msg.id)?.(msg);
        peer.waiting.delete(msg.id);
      });
    });
    await ready;
    return peer;
  }

  /** Sends one command (see nova_peer.py Api) and waits for its reply. */
  send(op: string, args: Record<string, unknown> = {}): Promise<PeerReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.proc.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  /** Like send, failing on an error reply. */
  async ok(op: string, args: Record<string, unknown> = {}): Promise<unknown> {
    const r = await this.send(op, args);
    if (!r.ok) throw new Error(`${op} failed: ${JSON.stringify(r.error)}\n${this.stderr}`);
    return r.result;
  }

  /** The conductor calls recorded so far. */
  calls(): ConductorCall[] {
    if (!existsSync(this.recordFile)) return [];
    return readFileSync(this.recordFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ConductorCall);
  }

  logs(): string {
    return this.stderr;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.stdin.end();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }
}
