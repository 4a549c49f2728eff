// The dpm-operator command line: one subcommand per workload; each lives in src/cli/<name>.ts.
// Each of those files defines its flags only and imports what the subcommand runs inside its action, so
// `run` (the operator) never loads the HMC simulator or the Nova bridge (test/foundation/cli-lazy.test.ts).
import { Command, CommanderError } from 'commander';
import { registerRun } from './run.js';
import { registerHmcSim } from './hmc-sim.js';
import { registerNovaBridge } from './nova-bridge.js';
import { registerDemo } from './demo.js';
import { registerConsole } from './console.js';

export function buildProgram(): Command {
  const program = new Command('dpm-operator')
    .description('Kubernetes operator for IBM Z / LinuxONE partitions in DPM mode')
    .version('0.1.0')
    .exitOverride();
  registerRun(program);
  registerHmcSim(program);
  registerNovaBridge(program);
  registerDemo(program);
  registerConsole(program);
  for (const c of [program, ...program.commands])
    c.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

/** Runs the CLI; returns the exit code instead of exiting so tests can call it. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    process.stderr.write(`dpm-operator: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
