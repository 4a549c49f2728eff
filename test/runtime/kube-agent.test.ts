import * as k8s from '@kubernetes/client-node';
import type https from 'node:https';
import { reuseConnections } from '../../src/runtime/kube-agent.js';

function kubeConfig(ca: string, kc = new k8s.KubeConfig()): k8s.KubeConfig {
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData: Buffer.from(ca).toString('base64') }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function agentOf(kc: k8s.KubeConfig): Promise<https.Agent> {
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return opts.agent as https.Agent;
}

describe('reuseConnections', () => {
  it('client-node alone builds a new agent per request; reused, one keep-alive agent per cluster and CA', async () => {
    const plain = kubeConfig('CA-1');
    expect(await agentOf(plain)).not.toBe(await agentOf(plain));

    const kc = reuseConnections(kubeConfig('CA-1'));
    const a = await agentOf(kc);
    expect(await agentOf(kc)).toBe(a);
    expect(reuseConnections(kc)).toBe(kc); // idempotent
    expect(await agentOf(kc)).toBe(a);
    expect((a as unknown as { keepAlive: boolean }).keepAlive).toBe(true);

    // Other TLS material (a rotated CA in the same KubeConfig) gets its own agent.
    kubeConfig('CA-2', kc);
    const b = await agentOf(kc);
    expect(b).not.toBe(a);
    expect(await agentOf(kc)).toBe(b);
  });
});
