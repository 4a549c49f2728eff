// A private RabbitMQ (Debian rabbitmq-server) for one test file: free loopback ports, its own node
// name, epmd, data and log dirs, tied to the test process (tools/rabbitmq/run.sh under spawnTied).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import amqp from 'amqplib';
import { freePort, spawnTied } from '../../src/devenv/control-plane.js';

export interface RunningRabbit {
  transportUrl: string;
  amqpUrl: string;
  dir: string;
  /** Milliseconds from spawn to the first accepted AMQP connection. */
  startMs: number;
  stop(): Promise<void>;
}

export async function startRabbit(): Promise<RunningRabbit> {
  const dir = await mkdtemp(join(tmpdir(), 'dpm-rabbit-'));
  const [amqpPort, dist, epmd] = [await freePort(), await freePort(), await freePort()];
  const t0 = Date.now();
  const child: ChildProcess = spawnTied(
    'bash',
    [join(process.cwd(), 'tools/rabbitmq/run.sh'), dir, String(amqpPort), String(dist), String(epmd)],
    join(dir, 'run.log'),
  );
  const url = `amqp://guest:guest@127.0.0.1:${amqpPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const c = await amqp.connect(url);
      await c.close();
      break;
    } catch (e) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`RabbitMQ did not start (see ${dir}/run.log): ${String(e)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const startMs = Date.now() - t0;
  return {
    transportUrl: `rabbit://guest:guest@127.0.0.1:${amqpPort}/`,
    amqpUrl: url,
    dir,
    startMs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((res) => child.once('exit', () => res()));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
