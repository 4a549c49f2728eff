// The Nova bridge: one compute host (a CpcSubset) served over oslo.messaging, backed by CRs.
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ComputeMethods } from './compute-methods.js';
import { ComputeServer } from './compute-server.js';
import { ConductorClient } from './conductor-client.js';
import { HmcConsoleOutput } from './console-output.js';
import { CrStore } from './cr-store.js';
import { PooledKubeConfig } from '../runtime/pooled-kubeconfig.js';
import type { ServiceEndpoint } from './openstack-http.js';
import { PlacementClient } from './placement.js';
import { NeutronClient } from './neutron.js';
import { CinderClient } from './cinder.js';
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
  /** Placement (endpoint and token): the subset is reported as a resource provider. */
  placement?: ServiceEndpoint;
  /** Neutron: the bridge creates/binds the instances' ports. */
  neutron?: ServiceEndpoint;
  /** Cinder v3 root (without project): the bridge completes the boot volume's attachment. */
  cinder?: ServiceEndpoint;
  log: Logger;
}

export class NovaBridge {
  private constructor(
    private readonly transport: RpcTransport,
    private readonly store: CrStore,
    private readonly server: ComputeServer,
    private readonly service: ServiceReporter,
    private readonly consoleOutput: HmcConsoleOutput,
    private readonly methods: ComputeMethods,
  ) {}

  /** Connects, registers the service and starts consuming compute RPC. */
  static async start(o: NovaBridgeOptions): Promise<NovaBridge> {
    const log = o.log.child({ component: 'nova-bridge', host: o.host });
    // Keep-alive connections for every API call (client-node 1.4 opens one per request otherwise).
    const kubeConfig = PooledKubeConfig.from(o.kubeConfig);
    const store = new CrStore(kubeConfig, o.namespace, o.host, log);
    await store.start();
    const consoleOutput = new HmcConsoleOutput({
      kubeConfig,
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
      const placement = o.placement ? new PlacementClient(o.placement) : undefined;
      const service = new ServiceReporter({
        conductor,
        host: o.host,
        serviceVersion: o.serviceVersion,
        reportIntervalMs: o.reportIntervalMs,
        seVersion: o.seVersion,
        log,
        placement,
        resources: async () => ({
          subset: await store.getSubset(),
          partitions: store.partitions(),
          foreign: await store.foreignPartitions(),
        }),
      });
      const methods = new ComputeMethods({
        neutron: o.neutron ? new NeutronClient(o.neutron) : undefined,
        cinder: o.cinder ? new CinderClient(o.cinder) : undefined,
        placement,
        computeNodeId: () => service.computeNodeId,
        setHostEnabled: (enabled) => service.setEnabled(enabled),
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
      await service.start();
      transport.onReconnect(() => service.reportNow());
      await methods.resumeInterruptedBuilds();
      await transport.serve(COMPUTE_TOPIC, o.host, (req) => void server.handle(req));
      log.info('serving compute RPC');
      return new NovaBridge(transport, store, server, service, consoleOutput, methods);
    } catch (e) {
      await transport?.close();
      await store.stop();
      throw e;
    }
  }

  /** Stops serving; builds in progress are left to be resumed by the next bridge of the host. */
  async stop(): Promise<void> {
    const resumed = this.methods.stop();
    await this.service.stop();
    await this.transport.close();
    await this.store.stop();
    await this.server.drain();
    await resumed;
    await this.consoleOutput.close();
  }
}
