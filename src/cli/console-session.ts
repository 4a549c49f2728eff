// The console session behind `dpm-operator console` (flags in console.ts): resolves the Partition to its
// HMC, prints the kept OS messages, follows new ones and sends a command.
import * as k8s from '@kubernetes/client-node';
import { HmcConnectionError, HmcHttpError, HmcTlsError } from '../hmc/errors.js';
import { followOsMessages, OsMessageManager, type OsMessageInfo } from '../hmc/os-messages.js';
import { HmcSession } from '../hmc/session.js';
import { ConsoleError, parseTarget, resolveTarget, type ConsoleTarget } from './console-target.js';

export interface ConsoleOptions {
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

/** `console <partition>`: the user's kubeconfig, the target, then the session. */
export async function runConsoleCommand(target: string, o: ConsoleOptions): Promise<void> {
  const kc = new k8s.KubeConfig();
  if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
  else kc.loadFromDefault();
  if (o.context) kc.setCurrentContext(o.context);
  const [ns, name] = parseTarget(target, o.namespace, kc);
  await runConsole(await resolveTarget(kc, ns, name), o);
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
