// A loopback TCP proxy in front of the real kube-apiserver, to break watch connections the way
// networks do: cut them (RST), refuse new ones, or freeze them (half-open: open but silent).
import * as k8s from '@kubernetes/client-node';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
}

export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private readonly frozen: Pair[] = [];
  private refusing = false;
  private opened = 0;
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no proxy address');
    const proxy = new TcpProxy(server, address.port);
    server.on('connection', (client) => proxy.accept(client, targetHost, targetPort));
    return proxy;
  }

  /** A copy of `kc` whose current cluster goes through this proxy. */
  kubeConfig(kc: k8s.KubeConfig): k8s.KubeConfig {
    const proxied = new k8s.KubeConfig();
    proxied.loadFromOptions({
      clusters: kc.clusters.map((c) => ({ ...c, server: `https://127.0.0.1:${this.port}` })),
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.currentContext,
    });
    return proxied;
  }

  connections(): number {
    return this.pairs.size;
  }

  /** Connections accepted since the start (open or closed since). */
  accepted(): number {
    return this.opened;
  }

  /** Destroys every open connection. */
  cut(): void {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
  }

  /** New connections are closed immediately while refusing. */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  /** Existing connections stay open but no byte flows any more in either direction. */
  freeze(): void {
    for (const pair of this.pairs) {
      pair.client.unpipe(pair.upstream);
      pair.upstream.unpipe(pair.client);
      pair.client.pause();
      pair.upstream.pause();
      this.frozen.push(pair);
    }
    this.pairs.clear(); // frozen pairs are only destroyed by close()
  }

  async close(): Promise<void> {
    this.cut();
    for (const pair of this.frozen) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, host: string, port: number): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    this.opened++;
    const upstream = createConnection({ host, port });
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    const drop = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
