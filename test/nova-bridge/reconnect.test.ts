// RabbitMQ restart: the broker's VM is killed and started again on the same port; the bridge's
// transport reconnects by itself, declares its compute queues again and keeps serving calls.
import pino from 'pino';
import { buildReply, type RpcRequest } from '../../src/nova-bridge/codec.js';
import { RpcTransport } from '../../src/nova-bridge/transport.js';
import { startRabbit, type RunningRabbit } from './rabbitmq.js';

const ctx = { request_id: 'req-test', is_admin: true };

describe('RpcTransport across a RabbitMQ restart (real broker)', () => {
  let rabbit: RunningRabbit;
  let server: RpcTransport;
  let client: RpcTransport;
  const served: string[] = [];
  let reconnects = 0;

  beforeAll(async () => {
    rabbit = await startRabbit();
    const log = pino({ level: process.env.DPM_TEST_LOG_LEVEL ?? 'silent' });
    server = await RpcTransport.connect({ transportUrl: rabbit.transportUrl, log });
    client = await RpcTransport.connect({ transportUrl: rabbit.transportUrl, log });
    server.onReconnect(() => reconnects++); // the bridge reports its service at once here
    await server.serve('compute', 'demo', (req: RpcRequest) => {
      served.push(req.method);
      void server.reply(
        req.replyQ!,
        buildReply({ msgId: req.msgId!, result: `pong ${served.length}`, ending: true }),
      );
    });
  }, 240_000);

  afterAll(async () => {
    await client?.close();
    await server?.close();
    await rabbit?.stop();
  });

  const ping = (): Promise<unknown> =>
    client.call(
      { topic: 'compute', server: 'demo' },
      { method: 'ping', args: {}, version: '6.0', context: ctx },
      10_000,
    );

  it('serves a call, loses the broker, reconnects and serves again', async () => {
    await expect(ping()).resolves.toBe('pong 1');
    expect(server.connections).toBe(1);

    await rabbit.restart();
    // Both sides reconnect (backoff from 0.5 s); the server's queues are declared again.
    const deadline = Date.now() + 60_000;
    let answer: unknown;
    while (Date.now() < deadline) {
      try {
        answer = await ping();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    expect(answer).toMatch(/^pong \d+$/);
    expect(server.connections).toBe(2);
    expect(reconnects).toBe(1);
    expect(client.connections).toBe(2);
  }, 300_000);
});
