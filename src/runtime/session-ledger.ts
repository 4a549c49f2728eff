// The HMC session ledger in a Secret the operator owns (by name; the chart creates it empty and grants
// get/patch on that name only). Each logged-on HMC session is one data key, added right after logon and
// removed after logoff, so an operator killed with SIGKILL (or at the end of its grace period) leaves
// behind the ids its successor logs off before logging on. Session ids are credentials: never logged.
import * as k8s from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { RecordedSession, SessionLedger } from '../hmc/session-ledger.js';

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

interface Entry extends RecordedSession {
  readonly connection: string;
}

export class SecretSessionLedger {
  private readonly core: k8s.CoreV1Api;
  private loaded: Promise<Map<string, Entry> | undefined> | undefined;

  constructor(
    kc: k8s.KubeConfig,
    private readonly namespace: string,
    private readonly name: string,
    private readonly log: Logger,
  ) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
  }

  /** The ledger of one HMC connection (endpoint + userid). */
  forConnection(connection: string): SessionLedger {
    return {
      recorded: async () =>
        [...((await this.entries())?.values() ?? [])].filter((e) => e.connection === connection),
      record: async (s) => {
        const entries = await this.entries();
        if (!entries) return;
        const key = dataKey(connection, s.sessionId);
        const entry: Entry = { connection, baseUrl: s.baseUrl, sessionId: s.sessionId };
        await this.patch({ [key]: Buffer.from(JSON.stringify(entry)).toString('base64') });
        entries.set(key, entry);
      },
      release: async (sessionId) => {
        const entries = await this.entries();
        const key = dataKey(connection, sessionId);
        if (!entries?.has(key)) return;
        await this.patch({ [key]: null });
        entries.delete(key);
      },
    };
  }

  /** Read once (by name), then kept in memory: only the leader writes it. Undefined = ledger unusable. */
  private entries(): Promise<Map<string, Entry> | undefined> {
    this.loaded ??= this.core.readNamespacedSecret({ namespace: this.namespace, name: this.name }).then(
      (secret) => {
        const map = new Map<string, Entry>();
        for (const [key, value] of Object.entries(secret.data ?? {})) {
          try {
            const e = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as Entry;
            if (typeof e.sessionId === 'string' && typeof e.baseUrl === 'string') map.set(key, e);
          } catch {
            this.log.warn({ key }, 'ignoring a malformed entry of the HMC session ledger');
          }
        }
        return map;
      },
      (err: unknown) => {
        const code = err instanceof k8s.ApiException ? err.code : undefined;
        this.log.warn(
          { secret: `${this.namespace}/${this.name}`, code },
          'HMC session ledger Secret unreadable: sessions of a killed operator process cannot be logged off by its successor',
        );
        return undefined;
      },
    );
    return this.loaded;
  }

  private async patch(data: Record<string, string | null>): Promise<void> {
    await this.core.patchNamespacedSecret(
      { namespace: this.namespace, name: this.name, body: { data } },
      mergePatch,
    );
  }
}

/** A Secret data key ([-._a-zA-Z0-9]+) naming the connection and (hashed) the session. */
function dataKey(connection: string, sessionId: string): string {
  return `${connection}.${createHash('sha256').update(sessionId).digest('hex').slice(0, 16)}`;
}
