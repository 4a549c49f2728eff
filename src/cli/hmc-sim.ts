import type { Command } from 'commander';

/** `dpm-operator hmc-sim`: the HMC simulator (HTTPS WS API + STOMP notifications). */
export function registerHmcSim(program: Command): void {
  program
    .command('hmc-sim')
    .description('run the HMC simulator: HTTPS Web Services API and STOMP notifications')
    .option('--port <port>', 'HTTPS port', '6794')
    .option('--stomp-port <port>', 'STOMP over TLS port', '61612')
    .option('--seed <file>', 'HMC definition YAML (zhmcclient format)')
    .action(async () => {
      throw new Error('the HMC simulator is not built yet (issue 3)');
    });
}
