// The Nova bridge: one compute host (a CpcSubset) served over oslo.messaging, backed by CRs.
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ComputeMethods } from './compute-methods.js';
import { ComputeServer } from './compute-server.js';
import { ConductorClient } from './conductor-client.js';
import { HmcConsoleOutput } from './console-output.js';
import { CrStore } from './cr-store.js';
import { COMPUTE_TOPIC, ServiceReporter } from './service.js';
import { RpcTransport, type QueueFlags } from './transport.js';

export interface NovaBridgeOptions {
  kubeConfig: k8s.KubeConfig;
  namespace: string;
  /** Compute host name = CpcSubset name. */
  host: string;
  transportUrl: string;
  controlExchange?: string;
  flags?: QueueFlags;
  servedVersion?: string;
  serviceVersion?: number;
  reportIntervalMs?: number;
  seVersion?: string;
  buildTimeoutMs?: number;
  powerTimeoutMs?: number;
  log: Logger;
}

export class NovaBridge {
  private constructor(
    private readonly transport: RpcTransport,
    private readonly store: CrStore,
    private readonly server: ComputeServer,
    private readonly service: ServiceReporter,
    private readonly consoleOutput: HmcConsoleOutput,
  ) {}

  /** Connects, registers the service and starts consuming compute RPC. */
  static async start(o: NovaBridgeOptions): Promise<NovaBridge> {
    const log = o.log.child({ component: 'nova-bridge', host: o.host });
    const store = new CrStore(o.kubeConfig, o.namespace, o.host, log);
    await store.start();
    const consoleOutput = new HmcConsoleOutput({
      kubeConfig: o.kubeConfig,
      getSubset: () => store.getSubset(),
      log,
    });
    let transport: RpcTransport | undefined;
    try {
      transport = await RpcTransport.connect({
        transportUrl: o.transportUrl,
        exchange: o.controlExchange,
        flags: o.flags,
        log,
      });
      const conductor = new ConductorClient(transport);
      const methods = new ComputeMethods({
        store,
        conductor,
        host: o.host,
        log,
        buildTimeoutMs: o.buildTimeoutMs,
        powerTimeoutMs: o.powerTimeoutMs,
        console: consoleOutput,
      });
      const server = new ComputeServer({
        replier: transport,
        methods: methods.table(),
        servedVersion: o.servedVersion,
        log,
      });
      const service = new ServiceReporter({
        conductor,
        host: o.host,
        serviceVersion: o.serviceVersion,
        reportIntervalMs: o.reportIntervalMs,
        seVersion: o.seVersion,
        log,
        resources: async () => ({ subset: await store.getSubset(), partitions: store.partitions() }),
      });
      await service.start();
      await transport.serve(COMPUTE_TOPIC, o.host, (req) => void server.handle(req));
      log.info('serving compute RPC');
      return new NovaBridge(transport, store, server, service, consoleOutput);
    } catch (e) {
      await transport?.close();
      await store.stop();
      throw e;
    }
  }

  async stop(): Promise<void> {
    await this.service.stop();
    await this.transport.close();
    await this.store.stop();
    await this.server.drain();
    await this.consoleOutput.close();
  }
}
