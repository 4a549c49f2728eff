import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** What the probes need from an informer (SupervisedInformer satisfies it). */
export interface ProbedInformer {
  hasSynced(): boolean;
  /** False when the watch loop looks wedged. */
  isHealthy(): boolean;
}

export interface HealthServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  readonly registry?: Registry;
  /** Current informers by name; a function because controllers may start them late. */
  readonly informers?: () => ReadonlyMap<string, ProbedInformer>;
  /**
   * Present when leader election is on. A standby (not leading) replica is ready without synced
   * informers: it serves probes while waiting for the lease.
   */
  readonly leaderElection?: { isLeader(): boolean };
}

interface Check {
  readonly name: string;
  readonly ok: boolean;
}

function render(res: ServerResponse, checks: readonly Check[]): void {
  const ok = checks.every((c) => c.ok);
  const lines = checks.map((c) => `[${c.ok ? '+' : '-'}]${c.name} ${c.ok ? 'ok' : 'failed'}`);
  res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${lines.join('\n')}${lines.length ? '\n' : ''}${ok ? 'ok' : 'check failed'}\n`);
}

/**
 * Probe and metrics endpoints (kube-style plain-text check lists):
 * - `/healthz` (liveness): the process answers and no informer's watch loop is wedged;
 * - `/readyz` (readiness): every informer has synced, or this replica is a leader-election standby;
 * - `/metrics`: the Prometheus registry.
 */
export class HealthServer {
  private server: Server | undefined;

  constructor(private readonly options: HealthServerOptions) {}

  /** Listens and resolves with the bound port. */
  async start(): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '0.0.0.0', () => resolve());
    });
    return this.port();
  }

  port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private informerChecks(pick: (i: ProbedInformer) => boolean, label: string): Check[] {
    const informers = this.options.informers?.() ?? new Map<string, ProbedInformer>();
    return [...informers].map(([name, informer]) => ({
      name: `informer-${label}:${name}`,
      ok: pick(informer),
    }));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
      } else if (path === '/healthz' || path === '/livez') {
        render(res, [{ name: 'ping', ok: true }, ...this.informerChecks((i) => i.isHealthy(), 'watch')]);
      } else if (path === '/readyz') {
        const election = this.options.leaderElection;
        if (election && !election.isLeader()) {
          render(res, [{ name: 'leader-election-standby', ok: true }]);
        } else {
          const leading = election ? [{ name: 'leader-election-leading', ok: true }] : [];
          render(res, [...leading, ...this.informerChecks((i) => i.hasSynced(), 'synced')]);
        }
      } else if (path === '/metrics' && this.options.registry) {
        const body = await this.options.registry.metrics();
        res.writeHead(200, { 'content-type': this.options.registry.contentType }).end(body);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`);
    }
  }
}
