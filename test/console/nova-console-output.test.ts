// The Nova bridge's get_console_output source: the partition's OS messages from the simulator, with
// the credentials from the CpcSubset's Secret on the real apiserver, nova's tail_length and byte cap,
// one List OS Messages per call on a cached session, ConsoleNotAvailable when the HMC cannot answer.
import * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import type { CpcSubset, Partition } from '../../src/crds/index.js';
import type { OsMessageInfo } from '../../src/hmc/os-messages.js';
import { startSimulator, type RunningSimulator } from '../../src/hmc-simulator/index.js';
import {
  HmcConsoleOutput,
  MAX_CONSOLE_BYTES,
  novaConsoleText,
} from '../../src/nova-bridge/console-output.js';
import { RpcFailure } from '../../src/nova-bridge/errors.js';
import { freshNamespace, kubeConfig } from '../harness/kube.js';
import { CPC, logon, partitionBody, request, waitJob } from '../hmc-sim/http.js';

const msg = (seq: number, text: string): OsMessageInfo => ({
  'sequence-number': seq,
  'message-id': seq,
  'message-text': text,
});

describe('novaConsoleText', () => {
  it('one line per message line, nova tail_length, a trailing newline', () => {
    const ms = [msg(1, 'b\nc\n'), msg(0, 'a'), msg(2, 'login: ')];
    expect(novaConsoleText(ms)).toBe('a\nb\nc\nlogin: \n');
    expect(novaConsoleText(ms, 2)).toBe('c\nlogin: \n');
    expect(novaConsoleText(ms, 0)).toBe('a\nb\nc\nlogin: \n');
    expect(novaConsoleText([])).toBe('');
  });

  it('keeps the newest MAX_CONSOLE_BYTES, cut at a line start', () => {
    const ms = Array.from({ length: 2000 }, (_, i) =>
      msg(i, `${String(i).padStart(4, '0')} ${'x'.repeat(95)}`),
    );
    const text = novaConsoleText(ms);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_CONSOLE_BYTES);
    expect(Buffer.byteLength(text)).toBeGreaterThan(MAX_CONSOLE_BYTES - 101);
    expect(text.endsWith(`1999 ${'x'.repeat(95)}\n`)).toBe(true);
    expect(text.split('\n')[0]).toMatch(/^\d{4} x{95}$/);
  });
});

describe('HmcConsoleOutput', () => {
  let sim: RunningSimulator;
  let reader: HmcConsoleOutput;
  let subset: CpcSubset;
  let partition: Partition;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, stompPort: 0, jobDurationMs: 20, seedName: 'z13' });
    const kc = kubeConfig();
    const ns = await freshNamespace(kc, 'novacons');
    await kc.makeApiClient(k8s.CoreV1Api).createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: 'hmc' },
        stringData: { userid: sim.userid, password: sim.password, 'ca.crt': sim.caPem },
      },
    });
    subset = {
      apiVersion: 'dpm.operator.dev/v1alpha1',
      kind: 'CpcSubset',
      metadata: { name: 'demo', namespace: ns },
      spec: {
        hmc: {
          host: '127.0.0.1',
          port: sim.port,
          credentialsSecretRef: {
            name: 'hmc',
            useridKey: 'userid',
            passwordKey: 'password',
            caBundleKey: 'ca.crt',
          },
          insecureSkipTLSVerify: false,
        },
        cpc: { name: 'CPCZ16A' },
        limits: { maxPartitions: 10, maxProcessors: 16, maxMemoryMiB: 65536 },
      },
    };
    const session = await logon(sim);
    const c = await request(sim, 'POST', `${CPC}/partitions`, {
      session,
      body: partitionBody('nova-console', { 'boot-device': 'storage-adapter' }),
    });
    const uri = String(c.body['object-uri']);
    const start = await request(sim, 'POST', `${uri}/operations/start`, { session });
    await waitJob(sim, session, String(start.body['job-uri']));
    partition = {
      apiVersion: 'dpm.operator.dev/v1alpha1',
      kind: 'Partition',
      metadata: { name: 'i-1', namespace: ns },
      spec: {} as Partition['spec'],
      status: { partitionUri: uri },
    };
    reader = new HmcConsoleOutput({
      kubeConfig: kc,
      getSubset: async () => subset,
      log: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await reader?.close();
    await sim?.stop();
  });

  it('returns the boot log; one logon for many calls, one list per call', async () => {
    await sim.admin.resetStats();
    const all = await reader.read(partition);
    expect(all.split('\n')[0]).toMatch(/^IPL from FCP device/);
    expect(all.endsWith('nova-console login: \n')).toBe(true);
    const tail = await reader.read(partition, 3);
    expect(tail.split('\n')).toHaveLength(4);
    expect(tail).toBe(`${all.slice(0, -1).split('\n').slice(-3).join('\n')}\n`);
    const stats = await sim.admin.stats();
    expect(stats.routes['POST /api/sessions']?.count).toBe(1);
    expect(stats.routes['GET /api/partitions/{id}/operations/list-os-messages']?.count).toBe(2);
  });

  it('answers ConsoleNotAvailable when the HMC cannot be asked', async () => {
    const gone: Partition = { ...partition, status: { partitionUri: '/api/partitions/no-such-partition' } };
    const err = await reader.read(gone).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcFailure);
    expect(err).toMatchObject({ className: 'ConsoleNotAvailable', module: 'nova.exception' });
    const none = await reader.read({ ...partition, status: {} }).catch((e: unknown) => e);
    expect(none).toMatchObject({ className: 'ConsoleNotAvailable' });
  });
});
