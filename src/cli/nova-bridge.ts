import type { Command } from 'commander';

/** `dpm-operator nova-bridge`: turns Nova compute RPC (oslo.messaging over RabbitMQ) into CRs. */
export function registerNovaBridge(program: Command): void {
  program
    .command('nova-bridge')
    .description('serve Nova compute RPC for one CPC subset and turn it into Partition resources')
    .option('--transport-url <url>', 'oslo.messaging transport URL (default: $TRANSPORT_URL)')
    .option('--host <name>', 'compute host name (the CPC subset name)')
    .action(async () => {
      throw new Error('the Nova bridge is not built yet');
    });
}
