// TLS material: a self-signed CA and a server certificate (SAN 127.0.0.1, ::1, localhost and
// the listen address) issued with node:crypto (x509.ts), so no openssl CLI is needed.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificate } from './x509.js';

export interface TlsMaterial {
  readonly dir: string;
  readonly caPath: string;
  readonly caPem: string;
  readonly key: string;
  readonly cert: string;
}

/** SAN entries: the loopback names plus the listen address (e.g. 127.0.0.7 for a second HMC on 6794). */
function altNames(host: string | undefined): string[] {
  const names = ['127.0.0.1', '::1', 'localhost'];
  if (host && host !== '0.0.0.0' && host !== '::' && !names.includes(host)) names.push(host);
  return names;
}

/**
 * Loads ca.pem/server.pem/server-key.pem from `dir`, generating them first when missing.
 * Without `dir`, a fresh temporary directory is used.
 */
export async function ensureTls(dir?: string, host?: string): Promise<TlsMaterial> {
  const d = dir ?? (await mkdtemp(join(tmpdir(), 'hmc-sim-tls-')));
  await mkdir(d, { recursive: true });
  const caPath = join(d, 'ca.pem');
  const certPath = join(d, 'server.pem');
  const keyPath = join(d, 'server-key.pem');
  if (!existsSync(caPath) || !existsSync(certPath) || !existsSync(keyPath))
    await generate(caPath, certPath, keyPath, altNames(host));
  const [caPem, cert, key] = await Promise.all([
    readFile(caPath, 'utf8'),
    readFile(certPath, 'utf8'),
    readFile(keyPath, 'utf8'),
  ]);
  return { dir: d, caPath, caPem, key, cert };
}

async function generate(caPath: string, certPath: string, keyPath: string, names: string[]): Promise<void> {
  const ca = issueCertificate({
    subject: { o: 'dpm-operator', cn: 'dpm-operator HMC simulator CA' },
    days: 3650,
  });
  const server = issueCertificate({
    subject: { o: 'dpm-operator', cn: 'localhost' },
    days: 825,
    issuer: ca,
    altNames: names,
  });
  // The CA's key is not kept: nothing else is ever signed with it.
  await writeFile(keyPath, server.keyPem, { mode: 0o600 });
  await writeFile(certPath, server.certPem);
  await writeFile(caPath, ca.certPem);
}
