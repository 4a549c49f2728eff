import type { RunningSimulator } from '../../src/hmc-simulator/index.js';
import { HmcClient } from '../../src/hmc/client.js';
import { HmcConnectionError, HmcTlsError } from '../../src/hmc/errors.js';
import { HmcSession } from '../../src/hmc/session.js';
import {
  CPC_URI,
  LogCapture,
  clientOptions,
  deadPort,
  recordingDelay,
  routeCount,
  startSim,
} from './helpers.js';

let sim: RunningSimulator;
let other: RunningSimulator; // a second simulator: its CA is the "wrong CA" for `sim`
beforeAll(async () => {
  [sim, other] = await Promise.all([startSim(), startSim()]);
});
afterAll(async () => {
  await Promise.all([sim.stop(), other.stop()]);
});

describe('TLS verification', () => {
  test('fails against a wrong CA, without retrying and without logging on', async () => {
    await sim.admin.resetStats();
    const rec = recordingDelay();
    const err = await HmcClient.connect(clientOptions(sim, { ca: other.caPem, delay: rec.delay })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HmcTlsError);
    expect(err).toMatchObject({ code: 'HMC_TLS_ERROR', transient: false });
    expect(rec.waits).toEqual([]);
    expect(await routeCount(sim, 'POST /api/sessions')).toBe(0);
  });

  test('the error names the CA setting to fix', async () => {
    const caSetting = 'key "ca.crt" of Secret ns/hmc (Helm value hmc.caBundle)';
    const err = await HmcClient.connect(clientOptions(sim, { ca: other.caPem, caSetting })).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toContain(`put the CA that signed it into ${caSetting}`);
    const plain = await HmcClient.connect(clientOptions(sim, { ca: other.caPem })).catch((e: unknown) => e);
    expect((plain as Error).message).toContain('the HMC CA bundle');
  });

  test('is on by default: no CA given means the self-signed HMC certificate is rejected', async () => {
    const s = new HmcSession({ hosts: [sim.url], userid: sim.userid, password: sim.password });
    await expect(s.logon()).rejects.toBeInstanceOf(HmcTlsError);
    await s.close();
  });

  test('insecureSkipTLSVerify connects but logs a warning', async () => {
    const logs = new LogCapture();
    const client = await HmcClient.connect(
      clientOptions(sim, { ca: undefined, insecureSkipTLSVerify: true, logger: logs.logger }),
    );
    await expect(client.cpcs.get(CPC_URI, ['name'])).resolves.toMatchObject({ name: 'CPCZ16A' });
    const warnings = logs.lines
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level === 40);
    expect(warnings.map((w) => w.msg)).toContain(
      'TLS verification of the HMC certificate is DISABLED (insecureSkipTLSVerify)',
    );
    await client.close();
  });

  test('the STOMP connection verifies the certificate too', async () => {
    const { StompConnection } = await import('../../src/hmc/stomp.js');
    await expect(
      StompConnection.connect({
        host: sim.host,
        port: sim.stompPort,
        login: sim.userid,
        passcode: sim.password,
        ca: other.caPem,
      }),
    ).rejects.toBeInstanceOf(HmcTlsError);
    const ok = await StompConnection.connect({
      host: sim.host,
      port: sim.stompPort,
      login: sim.userid,
      passcode: sim.password,
      ca: sim.caPem,
    });
    await ok.disconnect();
  });
});

describe('primary/alternate failover', () => {
  test('the first host answering GET /api/version wins', async () => {
    const dead = `https://127.0.0.1:${await deadPort()}`;
    await sim.admin.resetStats();
    const client = await HmcClient.connect(clientOptions(sim, { hosts: [dead, sim.url] }));
    expect(client.session.sessionInfo?.baseUrl).toBe(sim.url);
    expect(client.notifications?.connected).toBe(true);
    await expect(client.cpcs.list()).resolves.toHaveLength(1);
    expect(await routeCount(sim, 'POST /api/sessions')).toBe(1);
    await client.close();
  });

  test('the primary is preferred when both answer', async () => {
    await Promise.all([sim.admin.resetStats(), other.admin.resetStats()]);
    const s = new HmcSession({
      hosts: [other.url, sim.url],
      userid: sim.userid,
      password: sim.password,
      ca: [sim.caPem, other.caPem],
    });
    expect((await s.logon()).baseUrl).toBe(other.url);
    expect(await routeCount(other, 'POST /api/sessions')).toBe(1);
    expect(await routeCount(sim, 'POST /api/sessions')).toBe(0);
    await s.close();
  });

  test('after the active HMC becomes unreachable, the next logon fails over to the alternate', async () => {
    const standby = await startSim();
    const primary = await startSim();
    const s = new HmcSession({
      hosts: [primary.url, standby.url],
      userid: sim.userid,
      password: sim.password,
      ca: [primary.caPem, standby.caPem],
      delay: recordingDelay().delay,
      retry: { maxAttempts: 2 },
    });
    expect((await s.logon()).baseUrl).toBe(primary.url);
    await primary.stop();
    await expect(s.get(CPC_URI)).rejects.toBeInstanceOf(HmcConnectionError);
    await expect(s.get(CPC_URI)).resolves.toMatchObject({ name: 'CPCZ16A' });
    expect(s.sessionInfo?.baseUrl).toBe(standby.url);
    await s.close();
    await standby.stop();
  });

  test('no host answering: HmcConnectionError naming every host', async () => {
    const a = await deadPort();
    const b = await deadPort();
    const s = new HmcSession({ hosts: [`127.0.0.1:${a}`, `127.0.0.1:${b}`], userid: 'u', password: 'p' });
    const err = await s.logon().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HmcConnectionError);
    expect((err as Error).message).toContain(`127.0.0.1:${a}`);
    expect((err as Error).message).toContain(`127.0.0.1:${b}`);
    await s.close();
  });
});
