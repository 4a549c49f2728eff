// get_console_output for the Nova bridge: the partition's operating system messages from the HMC
// ("Operating System Messages"), as the text `nova console-log` shows. One List OS Messages request
// per call on a session cached per HMC and credentials (read from the CpcSubset's Secret by name).
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { HmcConnections } from '../controllers/connections.js';
import type { CpcSubset } from '../crds/cpcsubset.js';
import type { Partition } from '../crds/partition.js';
import { createHmcClientFactory } from '../hmc/client.js';
import type { OsMessageInfo } from '../hmc/os-messages.js';
import { RpcFailure } from './errors.js';

/** nova's libvirt driver returns at most this much console log (MAX_CONSOLE_BYTES). */
export const MAX_CONSOLE_BYTES = 100 * 1024;

/** The console text: one line per message line, the last `tailLength` lines (nova's _tail_log), bounded. */
export function novaConsoleText(messages: readonly OsMessageInfo[], tailLength?: number): string {
  let lines = [...messages]
    .sort((a, b) => a['sequence-number'] - b['sequence-number'])
    .flatMap((m) => m['message-text'].replace(/\n$/, '').split('\n'));
  if (tailLength !== undefined && tailLength > 0) lines = lines.slice(-tailLength);
  let text = lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  // Keep the newest bytes, cut at a line start.
  while (Buffer.byteLength(text) > MAX_CONSOLE_BYTES) {
    const cut = text.indexOf('\n', Buffer.byteLength(text) - MAX_CONSOLE_BYTES);
    text = cut < 0 ? '' : text.slice(cut + 1);
  }
  return text;
}

/** nova.exception.ConsoleNotAvailable: the API answers 404 "Guest does not have a console available". */
export function consoleNotAvailable(): RpcFailure {
  return new RpcFailure({
    className: 'ConsoleNotAvailable',
    message: 'Guest does not have a console available.',
  });
}

export interface ConsoleOutputSource {
  read(partition: Partition, tailLength?: number): Promise<string>;
  close(): Promise<void>;
}

export class HmcConsoleOutput implements ConsoleOutputSource {
  private readonly clients = createHmcClientFactory({ notifications: false });
  private readonly secrets: HmcConnections;

  constructor(
    private readonly o: {
      kubeConfig: k8s.KubeConfig;
      getSubset: () => Promise<CpcSubset>;
      log: Logger;
    },
  ) {
    this.secrets = new HmcConnections({ kubeConfig: o.kubeConfig, log: o.log, onChange: () => {} });
  }

  async read(partition: Partition, tailLength?: number): Promise<string> {
    const uri = partition.status?.partitionUri;
    if (!uri) throw consoleNotAvailable();
    try {
      const subset = await this.o.getSubset();
      const creds = await this.secrets.credentials(subset);
      const hmc = subset.spec.hmc;
      const port = hmc.port ?? 6794;
      const client = await this.clients.get({
        hosts: [hmc.host, hmc.alternateHost]
          .filter((h): h is string => Boolean(h))
          .map((h) => `${h}:${port}`),
        userid: creds.userid,
        password: creds.password,
        ...(creds.ca ? { ca: creds.ca } : {}),
        insecureSkipTLSVerify: hmc.insecureSkipTLSVerify ?? false,
        logger: this.o.log,
      });
      return novaConsoleText(await client.osMessages.list(uri), tailLength);
    } catch (e) {
      // Nova can only say "no console"; the reason goes to the bridge's log (never the credentials).
      this.o.log.warn(
        { partition: uri, err: e instanceof Error ? e.message : String(e) },
        'console output unavailable',
      );
      throw consoleNotAvailable();
    }
  }

  close(): Promise<void> {
    return this.clients.closeAll();
  }
}
