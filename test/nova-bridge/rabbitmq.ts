// A private RabbitMQ (Debian rabbitmq-server) for one test file: free loopback ports, its own node
// name, epmd, data and log dirs, tied to the test process (tools/rabbitmq/run.sh under spawnTied).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
  /** Kills the broker (SIGKILL of the VM: no clean close for the clients) and starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRabbit(): Promise<RunningRabbit> {
  const dir = await mkdtemp(join(tmpdir(), 'dpm-rabbit-'));
  const [amqpPort, dist, epmd] = [await freePort(), await freePort(), await freePort()];
  const t0 = Date.now();
  const url = `amqp://guest:guest@127.0.0.1:${amqpPort}`;
  const spawnBroker = (): ChildProcess =>
    spawnTied(
      'bash',
      [join(process.cwd(), 'tools/rabbitmq/run.sh'), dir, String(amqpPort), String(dist), String(epmd)],
      join(dir, 'run.log'),
    );
  const ready = async (c: ChildProcess): Promise<void> => {
    const deadline = Date.now() + 180_000; // a loaded 2-core machine: generous
    for (;;) {
      try {
        const conn = await amqp.connect(url);
        await conn.close();
        return;
      } catch (e) {
        if (Date.now() > deadline || c.exitCode !== null)
          throw new Error(`RabbitMQ did not start (see ${dir}/run.log): ${String(e)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };
  const stopChild = async (c: ChildProcess): Promise<void> => {
    if (c.exitCode === null && c.signalCode === null) {
      const exited = new Promise<void>((res) => c.once('exit', () => res()));
      c.kill('SIGTERM');
      await exited;
    }
  };
  let child = spawnBroker();
  await ready(child);
  const startMs = Date.now() - t0;
  return {
    transportUrl: `rabbit://guest:guest@127.0.0.1:${amqpPort}/`,
    amqpUrl: url,
    dir,
    startMs,
    async restart() {
      const beam = Number((await readFile(join(dir, 'rabbitmq.pid'), 'utf8').catch(() => '')).trim());
      if (beam > 0) process.kill(beam, 'SIGKILL'); // our own broker's VM, by its pid file
      await stopChild(child);
      child = spawnBroker();
      await ready(child);
    },
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
