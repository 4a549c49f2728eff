// `dpm-operator console NAMESPACE/PARTITION` (also `kubectl dpm console`): the partition's
// operating system messages from the HMC, then new ones live (like `kubectl logs -f`); `--send`
// sends an OS command. Credentials come from the CpcSubset's Secret, read with the user's own
// kubeconfig; TLS verification uses the Secret's CA bundle like the operator.
import * as k8s from '@kubernetes/client-node';
import { Option, type Command } from 'commander';
import { HmcConnectionError, HmcHttpError, HmcTlsError } from '../hmc/errors.js';
import { followOsMessages, OsMessageManager, type OsMessageInfo } from '../hmc/os-messages.js';
import { HmcSession } from '../hmc/session.js';
import { ConsoleError, parseTarget, resolveTarget, type ConsoleTarget } from './console-target.js';
import { parsePort } from './run.js';

interface ConsoleOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  follow: boolean;
  tail: number;
  send?: string;
  priority: boolean;
  timestamps: boolean;
  stompPort: number;
  wait: number;
}

/** HMC statuses in which the partition's OS runs (and so can answer). */
const RUNNING = new Set(['active', 'degraded']);
// A shell or login prompt ends the answer to a command (zhmccli's console uses the same test).
const PROMPT = /([$#] ?|[Ll]ogin: ?)$/;

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
      const kc = new k8s.KubeConfig();
      if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
      else kc.loadFromDefault();
      if (o.context) kc.setCurrentContext(o.context);
      const [ns, name] = parseTarget(target, o.namespace, kc);
      await runConsole(await resolveTarget(kc, ns, name), o);
    });
}

async function runConsole(t: ConsoleTarget, o: ConsoleOptions): Promise<void> {
  const out = (m: OsMessageInfo): void => {
    const text = m['message-text'].replace(/\n$/, '');
    const stamp = o.timestamps && m.timestamp ? `${new Date(m.timestamp).toISOString()} ` : '';
    process.stdout.write(`${stamp}${text}\n`);
  };
  if (t.session.insecureSkipTLSVerify) {
    process.stderr.write(`warning: CpcSubset ${t.subsetName} disables TLS verification of the HMC\n`);
  }
  const session = new HmcSession({ ...t.session, retry: { maxAttempts: 2 }, requestTimeoutMs: 30_000 });
  try {
    const os = new OsMessageManager(session);
    let status: string;
    let kept: OsMessageInfo[];
    try {
      status = String((await session.get<{ status?: string }>(`${t.partitionUri}?properties=status`)).status);
      kept = await os.list(t.partitionUri);
    } catch (e) {
      throw explain(e, t);
    }
    for (const m of o.tail < 0 ? kept : kept.slice(Math.max(0, kept.length - o.tail))) out(m);
    if (!o.follow && o.send === undefined) return;
    if (!RUNNING.has(status)) {
      throw new ConsoleError(
        'not-started',
        `Partition ${t.namespace}/${t.name} is not started (HMC status ${status}): nothing to ` +
          `${o.send === undefined ? 'follow' : 'send to'}; the messages above are what the HMC kept ` +
          '(--no-follow shows only those)',
      );
    }
    const last = kept[kept.length - 1]?.['sequence-number'] ?? -1;
    let onLive: (m: OsMessageInfo) => void = out;
    const follower = await followOsMessages(session, t.partitionUri, (m) => onLive(m), {
      stompPort: o.stompPort,
      after: last + 1,
      catchUp: true,
    }).catch((e: unknown) => {
      throw explain(e, t);
    });
    try {
      if (o.send !== undefined) {
        const answered = o.follow ? undefined : answerDone(o.send, o.wait * 1000, out);
        if (answered) onLive = answered.onMessage;
        await os.send(t.partitionUri, o.send, o.priority).catch((e: unknown) => {
          throw explain(e, t);
        });
        if (answered) return await answered.done;
      }
      await untilSignal();
    } finally {
      await follower.close();
    }
  } finally {
    await session.close();
  }
}

/** Prints the answer to `command` and resolves at the next prompt after its echo (or the deadline). */
function answerDone(
  command: string,
  waitMs: number,
  out: (m: OsMessageInfo) => void,
): { onMessage: (m: OsMessageInfo) => void; done: Promise<void> } {
  let echoed = false;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    finish = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return {
    done,
    onMessage: (m) => {
      out(m);
      const text = m['message-text'];
      if (!echoed) echoed = text.trimEnd().endsWith(command.trim());
      else if (m['prompt-text'] || PROMPT.test(text)) finish();
    },
  };
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** HMC failures in words a console user can act on. */
function explain(e: unknown, t: ConsoleTarget): unknown {
  const hmc = t.session.hosts.join(', ');
  if (e instanceof HmcTlsError) {
    return new ConsoleError(
      'hmc-unreachable',
      `the certificate of HMC ${hmc} is not trusted (${e.message}); the CA bundle comes from the ` +
        `Secret of CpcSubset ${t.subsetName} (key ca.crt unless spec.hmc.credentialsSecretRef.caBundleKey)`,
    );
  }
  if (e instanceof HmcConnectionError) {
    return new ConsoleError('hmc-unreachable', `HMC ${hmc} is unreachable: ${e.message}`);
  }
  if (e instanceof HmcHttpError && e.httpStatus === 403 && e.reason === 0) {
    return new ConsoleError(
      'credentials',
      `HMC ${hmc} rejected the credentials of CpcSubset ${t.subsetName}`,
    );
  }
  if (e instanceof HmcHttpError && e.httpStatus === 404) {
    return new ConsoleError(
      'not-on-hmc',
      `partition ${t.hmcName} (${t.partitionUri}) no longer exists on HMC ${hmc}`,
    );
  }
  return e;
}
