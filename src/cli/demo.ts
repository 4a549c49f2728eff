import type { Command } from 'commander';

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
      // Loaded on demand: the dev environment is not part of the container image.
      const devenv = await import('../devenv/demo.js').catch((e: unknown) => {
        if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
        throw new Error('demo needs a source checkout (the container image has no dev environment)');
      });
      await devenv.runDemo({ dir: opts.dir, exitAfterReady: opts.exitAfterReady ?? false });
    });
}
