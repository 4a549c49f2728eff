import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DEFAULTS } from '../hmc-simulator/defaults.js';

interface HmcSimFlags {
  port: string;
  stompPort: string;
  host: string;
  seed?: string;
  seedName: string;
  fulfillmentDelayMs: string;
  stateFile?: string;
  userid?: string;
  password?: string;
  jobDurationMs: string;
  sessionIdleTimeoutMs: string;
  maxSessions: string;
  faults?: string;
  tlsDir?: string;
  readyFile?: string;
  logLevel: string;
}

function int(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got '${v}'`);
  return n;
}

function seedName(v: string): 'current' | 'z16' | 'z13' {
  if (v === 'current' || v === 'z16' || v === 'z13') return v;
  throw new Error(`--seed-name must be current, z16 or z13, got '${v}'`);
}

/** `dpm-operator hmc-sim`: the HMC simulator (HTTPS WS API + STOMP notifications). */
export function registerHmcSim(program: Command): void {
  program
    .command('hmc-sim')
    .description('run the HMC simulator: HTTPS Web Services API and STOMP notifications')
    .option('--port <port>', 'HTTPS port (0 = a free port)', String(DEFAULTS.port))
    .option('--stomp-port <port>', 'STOMP over TLS port (0 = a free port)', String(DEFAULTS.stompPort))
    .option('--host <address>', 'listen address', DEFAULTS.host)
    .option('--seed <file>', 'HMC definition YAML (zhmcclient format); wins over --seed-name')
    .option(
      '--seed-name <name>',
      'built-in seed: current (z16, storage groups; alias z16) or z13 (HBAs)',
      'current',
    )
    .option(
      '--fulfillment-delay-ms <ms>',
      'storage volumes become complete this long after creation (0 = only when fulfilled by request)',
      String(DEFAULTS.fulfillmentDelayMs),
    )
    .option('--state-file <path>', 'restore state from this file at start, save it at stop')
    .option('--userid <userid>', 'HMC userid (default from the seed)')
    .option('--password <password>', 'HMC password (default from the seed)')
    .option('--job-duration-ms <ms>', 'duration of starting/stopping', String(DEFAULTS.jobDurationMs))
    .option(
      '--session-idle-timeout-ms <ms>',
      'idle timeout of WS API sessions',
      String(DEFAULTS.sessionIdleTimeoutMs),
    )
    .option('--max-sessions <n>', 'maximum sessions per userid', String(DEFAULTS.maxSessions))
    .option('--faults <file>', 'JSON file with fault rules ({"rules":[...]} or [...])')
    .option('--tls-dir <dir>', 'directory for ca.pem, server.pem, server-key.pem (generated if missing)')
    .option('--ready-file <path>', 'write {url, port, stompPort, caPath} as JSON here once listening')
    .option('--log-level <level>', 'pino log level', 'info')
    .action(async (flags: HmcSimFlags) => {
      // Loaded here, not at the top: only this subcommand needs the simulator (see program.ts).
      const [{ default: pino }, { parseFaultRules, startSimulator }] = await Promise.all([
        import('pino'),
        import('../hmc-simulator/index.js'),
      ]);
      const logger = pino({ level: flags.logLevel, name: 'hmc-sim' });
      let faults;
      if (flags.faults) {
        const doc = JSON.parse(await readFile(flags.faults, 'utf8')) as unknown;
        faults = parseFaultRules(Array.isArray(doc) ? doc : (doc as { rules?: unknown }).rules);
      }
      const sim = await startSimulator({
        port: int('port', flags.port),
        stompPort: int('stomp-port', flags.stompPort),
        host: flags.host,
        seed: flags.seed,
        seedName: seedName(flags.seedName),
        fulfillmentDelayMs: int('fulfillment-delay-ms', flags.fulfillmentDelayMs),
        stateFile: flags.stateFile,
        userid: flags.userid,
        password: flags.password,
        jobDurationMs: int('job-duration-ms', flags.jobDurationMs),
        sessionIdleTimeoutMs: int('session-idle-timeout-ms', flags.sessionIdleTimeoutMs),
        maxSessions: int('max-sessions', flags.maxSessions),
        faults,
        tlsDir: flags.tlsDir,
        logger,
      });
      if (flags.readyFile) {
        const ready = { url: sim.url, port: sim.port, stompPort: sim.stompPort, caPath: sim.caPath };
        await writeFile(flags.readyFile, JSON.stringify(ready));
      }
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          logger.info({ signal }, 'stopping');
          sim.stop().then(resolve, (e: unknown) => {
            logger.error({ err: e }, 'stop failed');
            resolve();
          });
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    });
}
