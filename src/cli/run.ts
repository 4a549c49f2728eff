import { InvalidArgumentError, Option, type Command } from 'commander';
import type { LevelWithSilent } from 'pino';

export function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number 0-65535');
  return n;
}

export function parsePositiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number >= 1');
  return n;
}

interface RunOptions {
  kubeconfig?: string;
  namespaces?: string;
  concurrency: number;
  metricsPort: number;
  leaderElect: boolean;
  leaderElectionNamespace?: string;
  leaseName: string;
  logLevel: LevelWithSilent;
  stompPort?: number;
  cpcSubsetSelector?: string;
  sessionSecret?: string;
  shutdownTimeout: number;
}

/** `[namespace/]name`; the namespace defaults to $POD_NAMESPACE. */
export function parseSessionSecret(v: string, podNamespace?: string): { namespace: string; name: string } {
  const [a, b] = v.split('/');
  const namespace = b === undefined ? podNamespace : a;
  const name = b ?? a;
  if (!namespace || !name) {
    throw new InvalidArgumentError('--session-secret needs namespace/name, or a name and $POD_NAMESPACE');
  }
  return { namespace, name };
}

/** `dpm-operator run`: the operator (controllers, leader election, metrics). */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the operator: reconcile CpcSubset, Partition, PartitionNic and PartitionHba resources')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, then in-cluster)')
    .addOption(
      new Option('--namespaces <list>', 'comma-separated namespaces to watch (default: all)').env(
        'DPM_NAMESPACES',
      ),
    )
    .addOption(
      // A pass holds its worker for one HMC request (or job submission) plus its API server round trips (a
      // finalizer patch before a create, the status after), together two to three times the HMC latency. An HMC
      // session carries 10 requests in flight (HmcSession maxConcurrency), so 3 x 10 workers keep it busy; more
      // only wait in the session's limiter. Measured (bench, N = 1000, 100 ms HMC latency): 20 workers 1.57x and
      // 1.59x the HMC-bound lower bound, 30 workers 1.31x (4 workers: 4.35x before the other fixes).
      new Option('--concurrency <n>', 'maximum concurrent partition reconciles')
        .argParser(parsePositiveInt)
        .default(30)
        .env('DPM_CONCURRENCY'),
    )
    .addOption(
      new Option('--metrics-port <port>', 'port for /metrics, /healthz and /readyz')
        .argParser(parsePort)
        .default(8080)
        .env('DPM_METRICS_PORT'),
    )
    .addOption(
      new Option('--leader-elect', 'elect a leader on a Lease (run several replicas)')
        .default(false)
        .env('DPM_LEADER_ELECT'),
    )
    .option('--leader-election-namespace <ns>', 'namespace of the Lease (default: $POD_NAMESPACE)')
    .option('--lease-name <name>', 'name of the Lease', 'dpm-operator')
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['trace', 'debug', 'info', 'warn', 'error', 'silent'])
        .default('info')
        .env('DPM_LOG_LEVEL'),
    )
    .addOption(
      new Option(
        '--cpc-subset-selector <selector>',
        'label selector of the CpcSubsets to serve, e.g. app.kubernetes.io/instance=hmc1 (default: all)',
      ).env('DPM_CPC_SUBSET_SELECTOR'),
    )
    .addOption(
      new Option(
        '--session-secret <[namespace/]name>',
        'Secret (created empty by the chart) recording HMC session ids, so a restarted operator logs off what a killed one left',
      ).env('DPM_SESSION_SECRET'),
    )
    .addOption(
      new Option(
        '--shutdown-timeout <seconds>',
        'SIGTERM: stop taking work, drain, log off the HMC and release the Lease within this (below terminationGracePeriodSeconds)',
      )
        .argParser(parsePositiveInt)
        .default(25)
        .env('DPM_SHUTDOWN_TIMEOUT'),
    )
    .option(
      '--stomp-port <port>',
      'HMC notification (STOMP) port if not 61612, e.g. the simulator',
      parsePort,
    )
    .action(async (o: RunOptions) => {
      // Loaded here, not at the top: only this subcommand needs the operator (see program.ts).
      const [k8s, { startOperator }, { createLogger }] = await Promise.all([
        import('@kubernetes/client-node'),
        import('../controllers/operator.js'),
        import('../runtime/logger.js'),
      ]);
      const kc = new k8s.KubeConfig();
      const path = o.kubeconfig ?? process.env.KUBECONFIG;
      if (path) kc.loadFromFile(path);
      else kc.loadFromCluster();
      const leaseNamespace = o.leaderElectionNamespace ?? process.env.POD_NAMESPACE;
      if (o.leaderElect && !leaseNamespace) {
        throw new Error('--leader-elect needs --leader-election-namespace or $POD_NAMESPACE');
      }
      const log = createLogger({ level: o.logLevel });
      const op = await startOperator({
        kubeConfig: kc,
        namespaces: (o.namespaces ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        concurrency: o.concurrency,
        metricsPort: o.metricsPort,
        leaderElect: o.leaderElect,
        leaseNamespace: leaseNamespace ?? '',
        leaseName: o.leaseName,
        log,
        stompPort: o.stompPort,
        subsetSelector: o.cpcSubsetSelector,
        sessionSecret: o.sessionSecret
          ? parseSessionSecret(o.sessionSecret, process.env.POD_NAMESPACE)
          : undefined,
        shutdownTimeoutMs: o.shutdownTimeout * 1000,
      });
      const onSignal = (): void => {
        // The last resort: whatever did not finish is in the session ledger for the successor.
        setTimeout(
          () => {
            log.error('graceful shutdown did not finish in time; exiting');
            process.exit(1);
          },
          o.shutdownTimeout * 1000 + 2000,
        ).unref();
        void op.stop();
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      await op.done;
    });
}
