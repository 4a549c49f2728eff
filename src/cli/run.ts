import type { Command } from 'commander';

/** `dpm-operator run`: the operator (controllers, leader election, metrics). */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the operator: reconcile CpcSubset, Partition, PartitionNic and PartitionHba resources')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, then in-cluster)')
    .option('--namespaces <list>', 'comma-separated namespaces to watch (default: all)')
    .option('--concurrency <n>', 'maximum concurrent reconciles', '4')
    .option('--metrics-port <port>', 'port for /metrics, /healthz and /readyz', '8080')
    .action(async () => {
      throw new Error('the operator is not built yet (issue 4)');
    });
}
