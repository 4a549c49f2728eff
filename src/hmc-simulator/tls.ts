// TLS material: a self-signed CA and a server certificate (SAN 127.0.0.1, ::1, localhost and
// the listen address) generated with the openssl CLI (node:crypto cannot issue X.509 certificates).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TlsMaterial {
  readonly dir: string;
  readonly caPath: string;
  readonly caPem: string;
  readonly key: string;
  readonly cert: string;
}

const serverExt = (san: string): string => `basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=${san}
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
`;

/** SAN entries: the loopback names plus the listen address (e.g. 127.0.0.7 for a second HMC on 6794). */
function subjectAltName(host: string | undefined): string {
  const entries = ['IP:127.0.0.1', 'IP:::1', 'DNS:localhost'];
  if (host && host !== '0.0.0.0' && host !== '::') {
    const entry = isIP(host) ? `IP:${host}` : `DNS:${host}`;
    if (!entries.includes(entry)) entries.push(entry);
  }
  return entries.join(',');
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
    await generate(d, caPath, certPath, keyPath, subjectAltName(host));
  const [caPem, cert, key] = await Promise.all([
    readFile(caPath, 'utf8'),
    readFile(certPath, 'utf8'),
    readFile(keyPath, 'utf8'),
  ]);
  return { dir: d, caPath, caPem, key, cert };
}

async function generate(
  d: string,
  caPath: string,
  certPath: string,
  keyPath: string,
  san: string,
): Promise<void> {
  const caKey = join(d, 'ca-key.pem');
  const csr = join(d, 'server.csr');
  const ext = join(d, 'server.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req', '-x509', ...ec, '-keyout', caKey, '-out', caPath, '-days', '3650', '-sha256',
    '-subj', '/O=dpm-operator/CN=dpm-operator HMC simulator CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-addext', 'subjectKeyIdentifier=hash',
  ]); // prettier-ignore
  await run('openssl', [
    'req',
    '-new',
    ...ec,
    '-keyout',
    keyPath,
    '-out',
    csr,
    '-subj',
    '/O=dpm-operator/CN=localhost',
  ]);
  await writeFile(ext, serverExt(san));
  await run('openssl', [
    'x509', '-req', '-in', csr, '-CA', caPath, '-CAkey', caKey, '-CAcreateserial',
    '-out', certPath, '-days', '825', '-sha256', '-extfile', ext,
  ]); // prettier-ignore
}
