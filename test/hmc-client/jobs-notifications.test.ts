import type { RunningSimulator } from '../../src/hmc-simulator/index.js';
import type { HmcClient } from '../../src/hmc/client.js';
import { JobFailedError, OperationTimeoutError } from '../../src/hmc/errors.js';
import type { HmcNotification, ResyncEvent } from '../../src/hmc/notifications.js';
import { CPC_URI, connect, eventually, routeCount, startSim } from './helpers.js';

const PART = {
  'initial-memory': 1024,
  'maximum-memory': 1024,
  'ifl-processors': 1,
  'boot-device': 'none',
} as const;
const JOB_MS = 300;

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSim({ jobDurationMs: JOB_MS });
});
afterAll(async () => {
  await sim.stop();
});
afterEach(async () => {
  await sim.admin.clearFaults();
});

async function withClient<T>(
  fn: (c: HmcClient) => Promise<T>,
  extra: Parameters<typeof connect>[1] = {},
): Promise<T> {
  const c = await connect(sim, extra);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

describe('jobs', () => {
  test('start/stop complete through the job-completion notification: one job GET, one job DELETE', async () => {
    await withClient(
      async (c) => {
        expect(c.notifications?.connected).toBe(true);
        const uri = await c.partitions.create(CPC_URI, { name: 'job-notified', ...PART });
        await sim.admin.resetStats();
        const started = Date.now();
        await c.partitions.start(uri);
        expect(Date.now() - started).toBeLessThan(5_000); // not the 10 s poll (poll starts at 10 s here)
        expect((await c.partitions.get(uri, ['status'])).status).toMatch(/^(active|paused|degraded)$/);
        const stats = await sim.admin.stats();
        expect(stats.routes['POST /api/partitions/{id}/operations/start']?.count).toBe(1);
        expect(stats.routes['GET /api/jobs/{id}']?.count).toBe(1);
        expect(stats.routes['DELETE /api/jobs/{id}']?.count).toBe(1);
        await c.partitions.stop(uri);
        expect((await c.partitions.get(uri, ['status'])).status).toBe('stopped');
        await c.partitions.delete(uri);
      },
      { jobs: { notifiedPollInitialMs: 10_000 } },
    );
  });

  test('a failed start (409.131) throws JobFailedError with the job status and reason', async () => {
    await withClient(async (c) => {
      const uri = await c.partitions.create(CPC_URI, { name: 'job-fails', ...PART });
      await sim.admin.setFaults([
        {
          kind: 'job-failure',
          operation: 'start',
          httpStatus: 409,
          reason: 131,
          message: 'The operating system in the partition failed to load. The partition is stopped.',
        },
      ]);
      const err = await c.partitions.start(uri).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JobFailedError);
      expect(err).toMatchObject({
        code: 'HMC_JOB_FAILED',
        jobStatus: 'complete',
        jobStatusCode: 409,
        jobReasonCode: 131,
        message: 'The operating system in the partition failed to load. The partition is stopped.',
      });
      expect((await c.partitions.get(uri, ['status'])).status).toBe('stopped');
      await c.partitions.delete(uri);
    });
  });

  test('dropped notifications: polling completes the job, with a backing-off bounded number of polls', async () => {
    await withClient(
      async (c) => {
        const uri = await c.partitions.create(CPC_URI, { name: 'job-polled', ...PART });
        await sim.admin.setFaults([{ kind: 'drop-notifications' }]);
        await sim.admin.resetStats();
        await c.partitions.start(uri, { timeoutMs: 10_000 });
        // polls at 100, 300, 700 ms (doubling from 100): the 300 ms job ends between poll 2 and 3.
        const polls = await routeCount(sim, 'GET /api/jobs/{id}');
        expect(polls).toBeGreaterThanOrEqual(2);
        expect(polls).toBeLessThanOrEqual(4);
        await sim.admin.clearFaults();
        await c.partitions.stop(uri);
        await c.partitions.delete(uri);
      },
      { jobs: { pollInitialMs: 100, notifiedPollInitialMs: 100, pollMaxMs: 1000 } },
    );
  });

  test('a job that does not end in time: OperationTimeoutError, polls capped', async () => {
    const slow = await startSim({ jobDurationMs: 5_000 });
    const c = await connect(slow, { notifications: false, jobs: { pollInitialMs: 50, pollMaxMs: 200 } });
    const uri = await c.partitions.create(CPC_URI, { name: 'job-slow', ...PART });
    await slow.admin.resetStats();
    const err = await c.partitions.start(uri, { timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationTimeoutError);
    // 50+100+200+200+200+200 ms... : 1 s allows at most ~7 polls with the 200 ms cap.
    const polls = await routeCount(slow, 'GET /api/jobs/{id}');
    expect(polls).toBeGreaterThanOrEqual(4);
    expect(polls).toBeLessThanOrEqual(8);
    await c.close();
    await slow.stop();
  });
});

describe('notifications', () => {
  test('typed status-change, property-change and inventory-change events', async () => {
    await withClient(async (c) => {
      const seen: HmcNotification[] = [];
      c.notifications?.on('notification', (n) => seen.push(n));
      const uri = await c.partitions.create(CPC_URI, { name: 'notify-1', ...PART });
      await c.partitions.update(uri, { description: 'changed' });
      await c.partitions.start(uri);
      await eventually(() => seen.some((n) => n.type === 'status-change' && n.objectUri === uri));
      const inv = seen.find((n) => n.type === 'inventory-change' && n.objectUri === uri);
      expect(inv).toMatchObject({ type: 'inventory-change', action: 'add', className: 'partition' });
      const prop = seen.find((n) => n.type === 'property-change' && n.objectUri === uri);
      expect(prop?.type === 'property-change' && prop.changeReports.map((r) => r['property-name'])).toContain(
        'description',
      );
      const status = seen.find((n) => n.type === 'status-change' && n.objectUri === uri);
      expect(status?.type === 'status-change' && status.changeReports[0]?.['new-status']).toBeTruthy();
      expect(seen.some((n) => n.type === 'job-completion')).toBe(true);
      await c.partitions.stop(uri);
      await c.partitions.delete(uri);
    });
  });

  test('a session-sequence-nr gap (dropped notification) emits resync', async () => {
    await withClient(async (c) => {
      const resyncs: ResyncEvent[] = [];
      c.notifications?.on('resync', (e) => resyncs.push(e));
      const uri = await c.partitions.create(CPC_URI, { name: 'gap-1', ...PART });
      await c.partitions.update(uri, { description: 'one' });
      await sim.admin.setFaults([{ kind: 'drop-notifications', count: 1 }]);
      await c.partitions.update(uri, { description: 'two' }); // dropped
      await sim.admin.clearFaults();
      await c.partitions.update(uri, { description: 'three' });
      await eventually(() => resyncs.length > 0);
      expect(resyncs[0]).toMatchObject({ reason: 'gap', missed: 1 });
      await c.partitions.delete(uri);
    });
  });

  test('STOMP connection loss: reconnect, then resync', async () => {
    await withClient(
      async (c) => {
        const n = c.notifications;
        if (!n) throw new Error('notifications expected');
        const events: string[] = [];
        n.on('disconnected', () => events.push('disconnected'));
        n.on('connected', () => events.push('connected'));
        n.on('resync', (e) => events.push(`resync:${e.reason}`));
        n.dropConnection();
        await eventually(() => events.includes('resync:reconnect'));
        expect(events).toEqual(['disconnected', 'connected', 'resync:reconnect']);
        expect(n.connected).toBe(true);
        // Still delivering after the reconnect.
        const seen: HmcNotification[] = [];
        n.on('inventory-change', (e) => seen.push(e));
        const uri = await c.partitions.create(CPC_URI, { name: 'after-reconnect', ...PART });
        await eventually(() => seen.some((e) => e.objectUri === uri));
        await c.partitions.delete(uri);
      },
      { notifications: { reconnect: { baseMs: 50, maxMs: 200 } } },
    );
  });

  test('session expiry: re-logon once, notifications resubscribe with the new session (resync)', async () => {
    await withClient(async (c) => {
      const n = c.notifications;
      if (!n) throw new Error('notifications expected');
      const resyncs: ResyncEvent[] = [];
      n.on('resync', (e) => resyncs.push(e));
      const old = c.session.sessionInfo?.sessionId;
      await sim.admin.resetStats();
      await sim.admin.expireSessions(old);
      await c.cpcs.list();
      await eventually(() => resyncs.some((e) => e.reason === 'session-change'));
      expect(c.session.sessionInfo?.sessionId).not.toBe(old);
      expect(await routeCount(sim, 'POST /api/sessions')).toBe(1);
      // Jobs of the new session complete through its job topic.
      const uri = await c.partitions.create(CPC_URI, { name: 'after-relogon', ...PART });
      await c.partitions.start(uri);
      await c.partitions.stop(uri);
      await c.partitions.delete(uri);
    });
  });
});
