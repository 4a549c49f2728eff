// Installs the operator's CRDs exactly as shipped: the files of deploy/crds, byte for byte, by
// server-side apply (what `kubectl apply --server-side -f deploy/crds` does). The YAML text is sent
// as is (application/apply-patch+yaml), never through client-node's models, whose serializer drops
// keys it does not know (enum, default, x-kubernetes-*): a CRD that differs from the shipped one makes
// a later `helm install` or `kubectl apply --server-side` of the real files conflict.
import { readdir, readFile } from 'node:fs/promises';
import https from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import yaml from 'js-yaml';

export const CRD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy', 'crds');
const FIELD_MANAGER = 'dpm-operator';

interface Shipped {
  readonly name: string;
  readonly group: string;
  readonly plural: string;
  readonly version: string;
  readonly text: string;
}

async function shippedCrds(dir: string): Promise<Shipped[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  return Promise.all(
    files.map(async (f) => {
      const text = await readFile(join(dir, f), 'utf8');
      const m = yaml.load(text) as {
        metadata: { name: string };
        spec: { group: string; names: { plural: string }; versions: { name: string; storage?: boolean }[] };
      };
      const version = (m.spec.versions.find((v) => v.storage) ?? m.spec.versions[0])!.name;
      return { name: m.metadata.name, group: m.spec.group, plural: m.spec.names.plural, version, text };
    }),
  );
}

/** One request to the API server with the kubeconfig's credentials; resolves status and body. */
async function request(
  kc: k8s.KubeConfig,
  method: string,
  path: string,
  body?: string,
  contentType?: string,
): Promise<{ status: number; body: string }> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig has no current cluster');
  const opts: https.RequestOptions = { method, headers: contentType ? { 'content-type': contentType } : {} };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((res, rej) => {
    const req = https.request(new URL(path, server), { ...opts, timeout: 15_000 }, (r) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (text += d));
      r.on('end', () => res({ status: r.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', rej);
    req.end(body);
  });
}

/**
 * Server-side applies every CRD file of `dir` (default deploy/crds), waits until each is Established
 * and its resources can be listed (a new CRD's storage answers 429 for a moment after Established),
 * so informers started afterwards do not fail. Returns the CRD names.
 */
export async function installCrds(kc: k8s.KubeConfig, timeoutMs = 60_000, dir = CRD_DIR): Promise<string[]> {
  const crds = await shippedCrds(dir);
  for (const c of crds) {
    const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${c.name}?fieldManager=${FIELD_MANAGER}&force=true`;
    const r = await request(kc, 'PATCH', path, c.text, 'application/apply-patch+yaml');
    if (r.status >= 300)
      throw new Error(`applying CRD ${c.name} failed: HTTP ${r.status} ${r.body.slice(0, 300)}`);
  }
  const deadline = Date.now() + timeoutMs;
  for (const c of crds) {
    for (;;) {
      const crd = await request(
        kc,
        'GET',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${c.name}`,
      );
      const established =
        crd.status === 200 &&
        (
          JSON.parse(crd.body) as { status?: { conditions?: { type: string; status: string }[] } }
        ).status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True');
      const served =
        established &&
        (await request(kc, 'GET', `/apis/${c.group}/${c.version}/${c.plural}?limit=1`)).status === 200;
      if (served) break;
      if (Date.now() > deadline)
        throw new Error(`CRD ${c.name} not Established and served within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return crds.map((c) => c.name);
}
