import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { startSimulator, type RunningSimulator } from '../../src/hmc-simulator/index.js';
import { HmcClient, type HmcClientOptions } from '../../src/hmc/client.js';
import { createHmcLogger } from '../../src/hmc/logger.js';

export const CPC_ID = 'a1b2c3d4-0000-4000-8000-000000000001';
export const CPC_URI = `/api/cpcs/${CPC_ID}`;
export const FCP1_URI = '/api/adapters/a1b2c3d4-0000-4000-8000-0000000000f1';
export const FCP2_URI = '/api/adapters/a1b2c3d4-0000-4000-8000-0000000000f2';
export const OSA_URI = '/api/adapters/a1b2c3d4-0000-4000-8000-0000000000a1';
export const VSWITCH_B1_URI = '/api/virtual-switches/a1b2c3d4-0000-4000-8000-0000000000b1';
export const VSWITCH_B2_URI = '/api/virtual-switches/a1b2c3d4-0000-4000-8000-0000000000b2';

/** Captured log lines of a pino logger (JSON text, exactly what would be written). */
export class LogCapture {
  readonly lines: string[] = [];
  readonly logger = createHmcLogger({
    level: 'trace',
    destination: new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        this.lines.push(
          ...chunk
            .toString('utf8')
            .split('\n')
            .filter((l) => l !== ''),
        );
        cb();
      },
    }),
  });

  get text(): string {
    return this.lines.join('\n');
  }

  messages(): string[] {
    return this.lines.map((l) => String((JSON.parse(l) as { msg?: string }).msg));
  }
}

/** Backoff waits recorded instead of slept (retries run at once, waits stay assertable). */
export function recordingDelay(): { waits: number[]; delay: (ms: number) => Promise<void> } {
  const waits: number[] = [];
  return {
    waits,
    delay: async (ms: number) => {
      waits.push(ms);
    },
  };
}

export function startSim(opts: Parameters<typeof startSimulator>[0] = {}): Promise<RunningSimulator> {
  // The z13 seed: these tests exercise HBAs, which exist only without dpm-storage-management.
  return startSimulator({ port: 0, stompPort: 0, seedName: 'z13', ...opts });
}

export function clientOptions(
  sim: RunningSimulator,
  extra: Partial<HmcClientOptions> = {},
): HmcClientOptions {
  return {
    hosts: [sim.url],
    userid: sim.userid,
    password: sim.password,
    ca: sim.caPem,
    stompPort: sim.stompPort,
    metricsRegistry: new Registry(),
    ...extra,
  };
}

export function connect(sim: RunningSimulator, extra: Partial<HmcClientOptions> = {}): Promise<HmcClient> {
  return HmcClient.connect(clientOptions(sim, extra));
}

/** Route counts from the simulator's own statistics (what the HMC saw). */
export async function routeCount(sim: RunningSimulator, route: string): Promise<number> {
  const stats = await sim.admin.stats();
  return stats.routes[route]?.count ?? 0;
}

/** Resolves when `predicate` holds (polling every 20 ms), rejects after `timeoutMs`. */
export async function eventually(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A free local port with nothing listening (connection refused). */
export async function deadPort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
