// Two bridge processes for one compute host (two replicas): a coordination.k8s.io Lease per host
// decides which one serves. Only the holder consumes the host's queues (counted on the real
// RabbitMQ all along); the standby takes over at once when the holder releases the Lease on SIGTERM,
// and after the lease duration when the holder is killed (SIGKILL).
import * as k8s from '@kubernetes/client-node';
import amqp from 'amqplib';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { RemoteRpcError } from '../../src/nova-bridge/errors.js';
import { hostLeaseName } from '../../src/nova-bridge/host-lease.js';
import { RpcTransport } from '../../src/nova-bridge/transport.js';
import {
  applyObjects,
  sampleObjects,
  startOperatorEnv,
  waitFor,
  type OperatorEnv,
} from '../harness/operator.js';
import { startBridgeProcess, type BridgeProcess } from './bridge-process.js';
import { NovaPeer, novaPython } from './peer.js';
import { startRabbit, type RunningRabbit } from './rabbitmq.js';

const HOST = 'demo';
const LEASE_S = 4;

describe('two nova-bridge processes for one host: one Lease, one consumer', () => {
  let rabbit: RunningRabbit;
  let env: OperatorEnv;
  let peer: NovaPeer;
  let client: RpcTransport;
  let coord: k8s.CoordinationV1Api;
  const procs: BridgeProcess[] = [];
  // Consumers of the host's queues, sampled every 100 ms from the first holder on.
  const samples: { at: number; host: number; topic: number }[] = [];
  let sampling: Promise<void> | undefined;
  let sample = true;

  const start = async (name: string): Promise<BridgeProcess> => {
    const p = await startBridgeProcess({
      kc: env.kc,
      namespace: env.ns,
      host: HOST,
      transportUrl: rabbit.transportUrl,
      name,
      args: [`--lease-duration=${LEASE_S}`, '--report-interval=1'],
    });
    procs.push(p);
    return p;
  };
  const holder = async (): Promise<string> =>
    (await coord.readNamespacedLease({ name: hostLeaseName(HOST), namespace: env.ns })).spec
      ?.holderIdentity ?? '';
  const serving = (p: BridgeProcess): number => p.output().split('"msg":"serving compute RPC"').length - 1;
  /** A call to the host's queue answered by whichever bridge serves it. */
  const answered = async (): Promise<boolean> => {
    try {
      await client.call(
        { topic: 'compute', server: HOST },
        { method: 'get_vnc_console', args: { console_type: 'novnc' }, version: '6.0', context: {} },
        5000,
      );
      return false;
    } catch (e) {
      return e instanceof RemoteRpcError && e.className === 'ConsoleTypeUnavailable';
    }
  };

  beforeAll(async () => {
    const [r, py] = await Promise.all([startRabbit(), Promise.resolve(novaPython())]);
    rabbit = r;
    env = await startOperatorEnv();
    coord = env.kc.makeApiClient(k8s.CoordinationV1Api);
    await applyObjects(
      env.kc,
      env.ns,
      await sampleObjects(env.sim, ['00-hmc-credentials.yaml', '01-cpcsubset.yaml']),
    );
    const dir = await mkdtemp(join(tmpdir(), 'nova-peer-'));
    peer = await NovaPeer.start({
      python: py.python,
      transportUrl: rabbit.transportUrl,
      host: HOST,
      recordFile: join(dir, 'conductor.jsonl'),
    });
    client = await RpcTransport.connect({
      transportUrl: rabbit.transportUrl,
      log: pino({ level: 'silent' }),
    });
  }, 300_000);

  afterAll(async () => {
    sample = false;
    await sampling;
    for (const p of procs) await p.kill();
    await client?.close();
    await peer?.stop();
    await env?.stop();
    await rabbit?.stop();
  });

  it('only the holder of the Lease serves; SIGTERM hands over at once, SIGKILL after the lease duration', async () => {
    const a = await start('bridge-a');
    const b = await start('bridge-b');
    const first = await waitFor(
      'one bridge serving',
      async () => [a, b].find((p) => serving(p) > 0),
      120_000,
    );
    const standby = first === a ? b : a;
    expect((await holder()).startsWith(`${first.name}_`)).toBe(true);

    // From now on, count the consumers of the host's queues all along.
    const conn = await amqp.connect(rabbit.amqpUrl);
    const ch = await conn.createChannel();
    sampling = (async () => {
      while (sample) {
        const [h, t] = [await ch.checkQueue(`compute.${HOST}`), await ch.checkQueue('compute')];
        samples.push({ at: Date.now(), host: h.consumerCount, topic: t.consumerCount });
        await new Promise((r) => setTimeout(r, 100));
      }
      await conn.close();
    })();
    expect(await answered()).toBe(true);
    // The standby is up and campaigning, and serves nothing for as long as the holder holds.
    await new Promise((r) => setTimeout(r, 2 * LEASE_S * 1000));
    expect(serving(standby)).toBe(0);
    expect(standby.output()).toContain('standby: the host is served by another bridge');

    // SIGTERM: the holder stops serving, releases the Lease; the standby serves within a few retries.
    const t0 = Date.now();
    expect(await first.stop()).toBe(0);
    expect(first.output()).toContain('released the lease');
    await waitFor('the standby serving', async () => serving(standby) > 0, 60_000);
    const handover = Date.now() - t0;
    expect((await holder()).startsWith(`${standby.name}_`)).toBe(true);
    expect(await answered()).toBe(true);

    // A third process becomes the new standby; SIGKILL of the holder: taken over after expiry.
    const c = await start('bridge-c');
    await waitFor('bridge-c campaigning', async () =>
      c.output().includes('standby: the host is served by another bridge'),
    );
    await standby.kill();
    const killedAt = Date.now();
    await waitFor('bridge-c serving', async () => serving(c) > 0, 60_000);
    const takeover = Date.now() - killedAt;
    expect((await holder()).startsWith('bridge-c_')).toBe(true);
    expect(takeover).toBeGreaterThanOrEqual(LEASE_S * 1000 - 1000); // not before the Lease expired
    await waitFor('a call answered by bridge-c', answered, 30_000);
    process.stdout.write(`handover on SIGTERM ${handover} ms; takeover after SIGKILL ${takeover} ms\n`);

    sample = false;
    await sampling;
    // Never two consumers of the host's queues; zero only around the hand-overs.
    expect(samples.length).toBeGreaterThan(50);
    expect(Math.max(...samples.map((s) => s.host))).toBe(1);
    expect(Math.max(...samples.map((s) => s.topic))).toBe(1);
    expect(samples.at(-1)).toMatchObject({ host: 1, topic: 1 });
    // Each process served at most once (no flapping).
    expect([a, b, c].map(serving).sort()).toEqual([1, 1, 1]);
  }, 600_000);
});
