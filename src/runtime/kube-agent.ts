// Connection reuse for client-node. Its KubeConfig (1.4.0) builds a new https.Agent for every API call
// (`createAgent`, called from applySecurityAuthentication and applyToHTTPSOptions), so every request opened a
// new TLS connection: a new SecureContext parsing the CA bundle, a handshake, a certificate check. Profiled in
// the scale benchmark (300 partitions) that was about 60 % of the operator's CPU. Here the agent is built once
// per distinct cluster and TLS material, with keep-alive, and reused by every request and watch.
import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

type AgentFactory = (cluster: unknown, agentOptions: Record<string, unknown>) => http.Agent;

/** Agents kept per KubeConfig (a rotated certificate makes a new one; the oldest is dropped). */
const MAX_AGENTS = 4;

const reused = new WeakSet<KubeConfig>();

/** Fingerprint of what makes two agents interchangeable: the cluster and the TLS options (Buffers by content). */
function fingerprint(cluster: unknown, options: Record<string, unknown>): string {
  const h = createHash('sha256');
  const feed = (v: unknown): void => {
    if (Buffer.isBuffer(v)) h.update(v);
    else h.update(JSON.stringify(v ?? null) ?? 'undefined');
    h.update('\u0000');
  };
  const c = (cluster ?? {}) as Record<string, unknown>;
  for (const v of [c.server, c.proxyUrl, c.skipTLSVerify, c.tlsServerName]) feed(v);
  for (const k of Object.keys(options).sort()) {
    const v = options[k];
    feed(k);
    if (Array.isArray(v)) v.forEach(feed);
    else feed(v);
  }
  return h.digest('hex');
}

/**
 * Makes every client built from `kc` (makeApiClient, Watch, applyToHTTPSOptions) share keep-alive agents.
 * Idempotent; returns `kc`.
 */
export function reuseConnections(kc: KubeConfig): KubeConfig {
  if (reused.has(kc)) return kc;
  reused.add(kc);
  const target = kc as unknown as { createAgent: AgentFactory };
  const create = target.createAgent.bind(kc);
  const agents = new Map<string, http.Agent>();
  target.createAgent = (cluster, agentOptions) => {
    const key = fingerprint(cluster, agentOptions);
    let agent = agents.get(key);
    if (!agent) {
      agent = create(cluster, { ...agentOptions, keepAlive: true });
      agents.set(key, agent);
      // Dropped, not destroyed: requests in flight finish; the API server closes the idle connections.
      if (agents.size > MAX_AGENTS) agents.delete(agents.keys().next().value!);
    }
    return agent;
  };
  return kc;
}
