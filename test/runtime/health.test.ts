import { HealthServer, type ProbedInformer } from '../../src/runtime/health.js';
import { createMetrics, workQueueMetrics } from '../../src/runtime/metrics.js';
import { FakeClock } from '../../src/runtime/testing/fake-clock.js';
import { WorkQueue } from '../../src/runtime/workqueue.js';

class FakeInformer implements ProbedInformer {
  synced = false;
  healthy = true;
  hasSynced(): boolean {
    return this.synced;
  }
  isHealthy(): boolean {
    return this.healthy;
  }
}

const servers: HealthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function start(options: ConstructorParameters<typeof HealthServer>[0]): Promise<string> {
  const server = new HealthServer(options);
  servers.push(server);
  const port = await server.start();
  expect(port).toBeGreaterThan(0);
  return `http://127.0.0.1:${port}`;
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

describe('HealthServer', () => {
  test('readyz waits for informers to sync; healthz fails when a watch loop is wedged', async () => {
    const informer = new FakeInformer();
    const base = await start({
      port: 0,
      host: '127.0.0.1',
      informers: () => new Map([['partitions', informer]]),
    });
    expect(await get(`${base}/healthz`)).toMatchObject({ status: 200 });
    const notReady = await get(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.body).toContain('[-]informer-synced:partitions failed');
    informer.synced = true;
    expect(await get(`${base}/readyz`)).toMatchObject({ status: 200 });
    informer.healthy = false;
    const wedged = await get(`${base}/healthz`);
    expect(wedged.status).toBe(503);
    expect(wedged.body).toContain('[-]informer-watch:partitions failed');
    expect((await get(`${base}/nope`)).status).toBe(404);
  });

  test('with leader election a standby is ready; the leader is ready once synced', async () => {
    const informer = new FakeInformer();
    let leader = false;
    const base = await start({
      port: 0,
      host: '127.0.0.1',
      informers: () => new Map([['partitions', informer]]),
      leaderElection: { isLeader: () => leader },
    });
    const standby = await get(`${base}/readyz`);
    expect(standby.status).toBe(200);
    expect(standby.body).toContain('leader-election-standby');
    leader = true;
    expect((await get(`${base}/readyz`)).status).toBe(503);
    informer.synced = true;
    expect((await get(`${base}/readyz`)).status).toBe(200);
  });

  test('metrics exposes the operator metrics, fed by the work queue, and process metrics', async () => {
    const metrics = createMetrics();
    // A fake clock keeps the rate-limited key delayed: it counts as a retry, not (yet) as depth.
    const queue = new WorkQueue({ clock: new FakeClock(), metrics: workQueueMetrics(metrics, 'partition') });
    queue.add('a');
    queue.add('b');
    queue.addRateLimited('c');
    metrics.reconcileTotal.inc({ controller: 'partition', result: 'success' });
    metrics.reconcileErrors.inc({ controller: 'partition', reason: 'HmcBusy' });
    metrics.reconcileDuration.observe({ controller: 'partition' }, 0.2);
    const base = await start({ port: 0, host: '127.0.0.1', registry: metrics.registry });
    const { status, body } = await get(`${base}/metrics`);
    queue.shutDown();
    expect(status).toBe(200);
    expect(body).toContain('dpm_workqueue_depth{controller="partition"} 2');
    expect(body).toContain('dpm_workqueue_adds_total{controller="partition"} 2');
    expect(body).toContain('dpm_workqueue_retries_total{controller="partition"} 1');
    expect(body).toContain('dpm_reconcile_total{controller="partition",result="success"} 1');
    expect(body).toContain('dpm_reconcile_errors_total{controller="partition",reason="HmcBusy"} 1');
    expect(body).toContain('dpm_reconcile_duration_seconds_count{controller="partition"} 1');
    expect(body).toMatch(/process_cpu_user_seconds_total \d/);
  });

  test('stop closes the port', async () => {
    const server = new HealthServer({ port: 0, host: '127.0.0.1' });
    const port = await server.start();
    await server.stop();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
