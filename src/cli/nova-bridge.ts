import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { NovaBridge } from '../nova-bridge/bridge.js';

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function defaultNamespace(): string {
  try {
    return readFileSync(SA_NAMESPACE, 'utf8').trim();
  } catch {
    return process.env.POD_NAMESPACE ?? 'default';
  }
}

const int = (v: string): number => {
  const n = Number.parseInt(v, 10);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${v}`);
  return n;
};

/** `dpm-operator nova-bridge`: turns Nova compute RPC (oslo.messaging over RabbitMQ) into CRs. */
export function registerNovaBridge(program: Command): void {
  program
    .command('nova-bridge')
    .description('serve Nova compute RPC for one CPC subset and turn it into Partition resources')
    .option('--transport-url <url>', 'oslo.messaging transport URL (default: $TRANSPORT_URL)')
    .option('--host <name>', 'compute host name (the CPC subset name)')
    .option('--namespace <ns>', "namespace of the CpcSubset and the partitions (default: the pod's)")
    .option('--control-exchange <name>', 'oslo control_exchange', 'nova')
    .option('--amqp-durable-queues', '[oslo_messaging_rabbit] amqp_durable_queues of the deployment', false)
    .option('--quorum-queues', '[oslo_messaging_rabbit] rabbit_quorum_queue of the deployment', false)
    .option('--transient-queues-ttl <s>', 'rabbit_transient_queues_ttl (fanout/reply queues)', int, 1800)
    .option('--rpc-version <v>', 'highest compute RPC 6.x version served', '6.4')
    .option(
      '--service-version <n>',
      'nova service version reported (caps what the control plane sends)',
      int,
      68,
    )
    .option('--report-interval <s>', 'seconds between service heartbeats and resource reports', int, 10)
    .option(
      '--se-version <v>',
      'override the SE version reported as hypervisor_version (default: the CpcSubset status)',
    )
    .option('--placement-url <url>', 'placement endpoint: the CPC subset becomes a resource provider')
    .option('--neutron-url <url>', 'neutron endpoint: the bridge creates and binds the ports')
    .option(
      '--cinder-url <url>',
      'cinder v3 root without project (http://cinder:8776/v3): boot volume attachments',
    )
    .option(
      '--no-leader-elect',
      'serve without the host Lease (only when nothing else can run a bridge for this host)',
    )
    .option('--lease-name <name>', 'the Lease of the host (default: nova-bridge-<host>)')
    .option('--lease-duration <s>', 'seconds a standby waits for a silent holder before taking over', int, 15)
    .option('--log-level <level>', 'log level', 'info')
    .action(async (opts: Record<string, unknown>) => {
      const transportUrl = (opts.transportUrl as string | undefined) ?? process.env.TRANSPORT_URL;
      if (!transportUrl) throw new Error('--transport-url (or $TRANSPORT_URL) is required');
      const host = opts.host as string | undefined;
      if (!host) throw new Error('--host (the CpcSubset name) is required');
      // Loaded here, not at the top: only this subcommand needs the bridge (see program.ts).
      const [
        k8s,
        { NovaBridge },
        { hostLeaseName, serveWhileLeading },
        { DEFAULT_QUEUE_FLAGS },
        { createLogger },
      ] = await Promise.all([
        import('@kubernetes/client-node'),
        import('../nova-bridge/bridge.js'),
        import('../nova-bridge/host-lease.js'),
        import('../nova-bridge/transport.js'),
        import('../runtime/logger.js'),
      ]);
      const log = createLogger({ level: opts.logLevel as 'info' });
      // Tokens come from the environment (the chart fills them from a Secret); never from flags or logs.
      const token = process.env.OS_TOKEN;
      const serviceToken = process.env.OS_SERVICE_TOKEN;
      const endpoint = (flag: string, url: unknown) => {
        if (typeof url !== 'string') return undefined;
        if (!token) throw new Error(`${flag} needs $OS_TOKEN (from a Secret) to authenticate`);
        return { url, token, serviceToken };
      };
      const kc = new k8s.KubeConfig();
      kc.loadFromDefault();
      const namespace = (opts.namespace as string | undefined) ?? defaultNamespace();
      const start = (): Promise<NovaBridge> =>
        NovaBridge.start({
          kubeConfig: kc,
          namespace,
          host,
          transportUrl,
          controlExchange: opts.controlExchange as string,
          flags: {
            ...DEFAULT_QUEUE_FLAGS,
            durable: opts.amqpDurableQueues === true,
            quorum: opts.quorumQueues === true,
            transientTtlSeconds: opts.transientQueuesTtl as number,
          },
          servedVersion: opts.rpcVersion as string,
          serviceVersion: opts.serviceVersion as number,
          reportIntervalMs: (opts.reportInterval as number) * 1000,
          seVersion: opts.seVersion as string,
          placement: endpoint('--placement-url', opts.placementUrl),
          neutron: endpoint('--neutron-url', opts.neutronUrl),
          cinder: endpoint('--cinder-url', opts.cinderUrl),
          log,
        });
      const shutdown = new AbortController();
      process.once('SIGTERM', () => shutdown.abort());
      process.once('SIGINT', () => shutdown.abort());
      if (opts.leaderElect === false) {
        const bridge = await start();
        await new Promise<void>((r) => shutdown.signal.addEventListener('abort', () => r(), { once: true }));
        await bridge.stop();
        return;
      }
      // Two replicas (or a rescheduled pod next to a dying one) never serve one host twice.
      const leaseDurationMs = (opts.leaseDuration as number) * 1000;
      await serveWhileLeading(
        {
          kubeConfig: kc,
          namespace,
          host,
          identity: `${process.env.POD_NAME ?? hostname()}_${randomBytes(4).toString('hex')}`,
          leaseName: (opts.leaseName as string | undefined) ?? hostLeaseName(host),
          leaseDurationMs,
          renewDeadlineMs: Math.round((leaseDurationMs * 2) / 3),
          retryPeriodMs: Math.max(200, Math.round(leaseDurationMs / 7.5)),
          start,
          log,
        },
        shutdown.signal,
      );
    });
}
