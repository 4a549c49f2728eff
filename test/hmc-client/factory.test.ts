// The client factory of processes other than the operator (the Nova bridge's console reader).
import type { RunningSimulator } from '../../src/hmc-simulator/index.js';
import { createHmcClientFactory } from '../../src/hmc/client.js';
import { clientOptions, routeCount, startSim } from './helpers.js';

describe('client factory', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(async () => {
    await sim.stop();
  });

  test('one client (one logon) per HMC and credentials; replaced on a password change; released with logoff', async () => {
    const factory = createHmcClientFactory({ notifications: false });
    await sim.admin.resetStats();
    const opts = clientOptions(sim);
    const [a, b] = await Promise.all([factory.get(opts), factory.get({ ...opts })]);
    expect(a).toBe(b);
    expect(await routeCount(sim, 'POST /api/sessions')).toBe(1);

    await expect(factory.get({ ...opts, password: 'rotated-but-wrong' })).rejects.toMatchObject({
      httpStatus: 403,
    });
    expect(await routeCount(sim, 'DELETE /api/sessions/this-session')).toBe(1); // the replaced client logged off
    const c = await factory.get(opts); // a failed connect is not cached
    expect(c).not.toBe(a);
    await expect(c.cpcs.list()).resolves.toHaveLength(1);
    await factory.release(opts);
    expect(await routeCount(sim, 'DELETE /api/sessions/this-session')).toBe(2);
    await factory.closeAll();
  });
});
