// `dpm-operator console NAMESPACE/PARTITION` (also `kubectl dpm console`): the partition's
// operating system messages from the HMC, then new ones live (like `kubectl logs -f`); `--send`
// sends an OS command. Credentials come from the CpcSubset's Secret, read with the user's own
// kubeconfig; TLS verification uses the Secret's CA bundle like the operator.
import { Option, type Command } from 'commander';
import type { ConsoleOptions } from './console-session.js';
import { parsePort } from './run.js';

function parseTail(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < -1) throw new Error('--tail must be a whole number >= -1');
  return n;
}

export function registerConsole(program: Command): void {
  program
    .command('console')
    .description(
      "show a partition's operating system messages from the HMC and follow new ones; --send sends an OS command",
    )
    .argument('<partition>', 'NAMESPACE/PARTITION, or PARTITION with -n or the kubeconfig namespace')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <ns>', 'namespace of the Partition')
    .option('--no-follow', 'print the messages the HMC kept and exit')
    .option('--tail <n>', 'how many of the kept messages to print first (-1 = all)', parseTail, -1)
    .option('--send <command>', 'send this command to the operating system (after the history)')
    .option('--priority', 'send the command as a priority OS command', false)
    .option('--timestamps', 'prefix every message with its time', false)
    .option('--wait <seconds>', 'with --send --no-follow: wait at most this long for the answer', Number, 10)
    .addOption(
      new Option('--stomp-port <port>', 'HMC notification (STOMP) port')
        .argParser(parsePort)
        .default(61612)
        .env('DPM_STOMP_PORT'),
    )
    .action(async (target: string, o: ConsoleOptions) => {
      // Loaded here, not at the top: only this subcommand needs it (see program.ts).
      const { runConsoleCommand } = await import('./console-session.js');
      await runConsoleCommand(target, o);
    });
}
