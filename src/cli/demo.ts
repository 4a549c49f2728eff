import type { Command } from 'commander';
import { runDemo } from '../devenv/demo.js';

/** `dpm-operator demo`: everything on embedded defaults, on this machine. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'start a local control plane, the HMC simulator and the operator, apply deploy/samples and show them reach Running (Ctrl-C, SIGINT or SIGTERM stops all)',
    )
    .option('--dir <path>', 'working directory for the control plane (default: a temporary one)')
    .option('--exit-after-ready', 'stop everything once the demo is up (for scripted checks)')
    .action(async (opts: { dir?: string; exitAfterReady?: boolean }) => {
      await runDemo({ dir: opts.dir, exitAfterReady: opts.exitAfterReady ?? false });
    });
}
