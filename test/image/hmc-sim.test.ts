// The image as `hmc-sim`: listening on 0.0.0.0 inside the container, its ports published, reached over
// TLS from the host with its CA verified. Run as the image's own user on a read-only root filesystem
// with only /tmp writable (as under the chart's securityContext and emptyDir): first generating its TLS
// material itself (the image has no openssl), then serving a mounted TLS directory read-only.
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { type StartedTestContainer, Wait } from 'testcontainers';
import { HmcSession } from '../../src/hmc/session.js';
import { ensureTls } from '../../src/hmc-simulator/tls.js';
import {
  TierContainer,
  containerProcess,
  effectiveCapabilities,
  imageRef,
  processIds,
} from './containers.js';

const LISTENING = /HMC simulator listening/;

interface ListeningLog {
  url: string;
  stompPort: number;
  caPath: string;
}

function simContainer(extraArgs: string[] = []): TierContainer {
  return new TierContainer(imageRef(), 'hmc-sim')
    .withCommand(['hmc-sim', '--host', '0.0.0.0', '--port', '6794', '--stomp-port', '61612', ...extraArgs])
    .withExposedPorts(6794, 61612)
    .readOnlyRootFilesystem()
    .withTmpFs({ '/tmp': 'rw,nosuid,nodev,mode=1777,size=64m' })
    .withDroppedCapabilities('ALL')
    .withSecurityOpt('no-new-privileges');
}

async function listeningLog(c: TierContainer): Promise<ListeningLog> {
  return JSON.parse(await c.outputLine(LISTENING)) as ListeningLog;
}

/** The certificate chain the server presents, verified against `ca` (rejects when it does not verify). */
function handshake(port: number, ca: string | undefined): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const cert = s.getPeerCertificate();
      s.end();
      resolve(cert);
    });
    s.on('error', reject);
  });
}

describe('the image as hmc-sim', () => {
  let sim: TierContainer;
  let started: StartedTestContainer | undefined;
  let tlsDir: string | undefined;
  afterEach(async () => {
    await started?.stop();
    started = undefined;
    if (tlsDir) await rm(tlsDir, { recursive: true, force: true });
    tlsDir = undefined;
  });

  it('generates its TLS material, listens on 0.0.0.0, and answers over verified TLS from the host', async () => {
    sim = simContainer();
    started = await sim.startWith(Wait.forLogMessage(LISTENING));
    // The image's own user (no --user given), not root; the CA is read through /proc (no exec).
    const { pid, user, readOnlyRoot } = await containerProcess(started);
    expect(user).toBe('65532:65532');
    expect(readOnlyRoot).toBe(true);
    expect(processIds(pid)).toEqual({ uid: 65532, gid: 65532 });
    expect(effectiveCapabilities(pid)).toBe(0n);
    const log = await listeningLog(sim);
    expect(log.url).toBe('https://0.0.0.0:6794');
    expect(log.caPath).toMatch(/^\/tmp\/hmc-sim-tls-/);
    const ca = await readFile(`/proc/${pid}/root${log.caPath}`, 'utf8');
    expect(ca).toMatch(/^-----BEGIN CERTIFICATE-----/);

    const port = started.getMappedPort(6794);
    // Without the CA the certificate does not verify; with it, the WS API answers a logon.
    await expect(handshake(port, undefined)).rejects.toThrow(/self[- ]signed|unable to verify/i);
    const hmc = new HmcSession({
      hosts: [`127.0.0.1:${port}`],
      userid: 'dpm',
      password: 'dpm-sim-password',
      ca,
    });
    try {
      const version = await hmc.get<{ 'api-major-version': number }>('/api/version');
      expect(version['api-major-version']).toBeGreaterThanOrEqual(4);
      const cpcs = await hmc.get<{ cpcs: { name: string }[] }>('/api/cpcs');
      expect(cpcs.cpcs.map((c) => c.name)).toContain('CPCZ16A');
    } finally {
      await hmc.close();
    }
    // The STOMP port serves the same certificate.
    const stomp = await handshake(started.getMappedPort(61612), ca);
    expect(stomp.subject.CN).toBe('localhost');
  });

  it('serves a mounted TLS directory, read-only', async () => {
    tlsDir = await mkdtemp(join(tmpdir(), 'dpm-image-tls-'));
    const material = await ensureTls(tlsDir);
    // As a Secret volume would be: readable by the pod's user, mounted read-only.
    await chmod(tlsDir, 0o755);
    await chmod(join(tlsDir, 'server-key.pem'), 0o644);
    sim = simContainer(['--tls-dir', '/etc/hmc-sim-tls']).withBindMounts([
      { source: tlsDir, target: '/etc/hmc-sim-tls', mode: 'ro' },
    ]);
    started = await sim.startWith(Wait.forLogMessage(LISTENING));
    expect((await listeningLog(sim)).caPath).toBe('/etc/hmc-sim-tls/ca.pem');
    const cert = await handshake(started.getMappedPort(6794), material.caPem);
    expect(cert.raw.toString('base64')).toBe(material.cert.replace(/-----[A-Z ]+-----|\s/g, ''));
    expect(await readFile(join(tlsDir, 'ca.pem'), 'utf8')).toBe(material.caPem);
  });
});
