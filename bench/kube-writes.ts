// Writes the API server received, by verb and resource, from its own `apiserver_request_total` counter
// (/metrics): the operator's status and finalizer patches and its Events, without touching the operator.
import type * as k8s from '@kubernetes/client-node';
import https from 'node:https';

/** `VERB resource[/subresource]` -> requests (writes only: POST, PUT, PATCH, DELETE). */
export type WriteCounts = Record<string, number>;

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Parses the Prometheus text of /metrics into write counts (all response codes summed). */
export function parseWrites(metrics: string): WriteCounts {
  const out: WriteCounts = {};
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]] as [string, string]),
    );
    const verb = labels.verb ?? '';
    if (!WRITE_VERBS.has(verb)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const key = `${verb} ${labels.resource ?? ''}${labels.subresource ? `/${labels.subresource}` : ''}`;
    out[key] = (out[key] ?? 0) + value;
  }
  return out;
}

/** The API server's write counts now. */
export async function kubeWrites(kc: k8s.KubeConfig): Promise<WriteCounts> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig has no current cluster');
  const opts: https.RequestOptions = { method: 'GET' };
  await kc.applyToHTTPSOptions(opts);
  const text = await new Promise<string>((res, rej) => {
    const req = https.request(new URL('/metrics', server), { ...opts, timeout: 15_000 }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (body += d));
      r.on('end', () =>
        (r.statusCode ?? 0) < 300 ? res(body) : rej(new Error(`GET /metrics: HTTP ${r.statusCode}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error('GET /metrics: timed out')));
    req.on('error', rej);
    req.end();
  });
  return parseWrites(text);
}

/** after - before, zero entries dropped. */
export function writesBetween(before: WriteCounts, after: WriteCounts): WriteCounts {
  const out: WriteCounts = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}
