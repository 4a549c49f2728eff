import * as k8s from '@kubernetes/client-node';
import { LeaderElector, type LeaderElectorOptions } from '../../src/runtime/leader-election.js';
import { freshNamespace, kubeConfig } from '../harness/kube.js';
import { eventually, sleep } from './helpers/eventually.js';
import { TcpProxy } from './helpers/tcp-proxy.js';

const kc = kubeConfig();
const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
let namespace: string;

const timing = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 };

interface Replica {
  readonly elector: LeaderElector;
  readonly stop: AbortController;
  readonly run: Promise<void>;
  readonly log: string[];
  startedAt?: number;
  stoppedAt?: number;
}

const replicas: Replica[] = [];
const proxies: TcpProxy[] = [];

function replica(identity: string, leaseName: string, extra: Partial<LeaderElectorOptions> = {}): Replica {
  const stop = new AbortController();
  const log: string[] = [];
  const r: Partial<Replica> & { log: string[] } = { log };
  const elector = new LeaderElector({
    kubeConfig: kc,
    namespace,
    leaseName,
    identity,
    ...timing,
    onStartedLeading: async (signal) => {
      r.startedAt = Date.now();
      log.push('started');
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      log.push('leading-signal-aborted');
    },
    onStoppedLeading: () => {
      r.stoppedAt = Date.now();
      log.push('stopped');
    },
    ...extra,
  });
  Object.assign(r, { elector, stop, run: elector.run(stop.signal) });
  replicas.push(r as Replica);
  return r as Replica;
}

/** Started once, then both the leading signal aborted and onStoppedLeading ran (in either order). */
function expectLeadershipEnded(r: Replica): void {
  expect(r.log[0]).toBe('started');
  expect([...r.log].sort()).toEqual(['leading-signal-aborted', 'started', 'stopped']);
}

async function holder(leaseName: string): Promise<string | undefined> {
  const lease = await coordination.readNamespacedLease({ name: leaseName, namespace });
  return lease.spec?.holderIdentity;
}

beforeAll(async () => {
  namespace = await freshNamespace(kc, 'leader');
});

afterEach(async () => {
  for (const r of replicas.splice(0)) {
    r.stop.abort();
    await r.run;
  }
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

describe('LeaderElector against the real apiserver', () => {
  test('exactly one of two replicas leads; on release the other takes over quickly', async () => {
    const a = replica('a', 'one-leader');
    const b = replica('b', 'one-leader');
    await eventually('a leader', () => a.elector.isLeader() || b.elector.isLeader());
    for (let i = 0; i < 50; i++) {
      expect(Number(a.elector.isLeader()) + Number(b.elector.isLeader())).toBe(1);
      await sleep(20);
    }
    const [leader, follower] = a.elector.isLeader() ? [a, b] : [b, a];
    expect(await holder('one-leader')).toBe(leader === a ? 'a' : 'b');
    expect(follower.elector.observedLeader()).toBe(leader === a ? 'a' : 'b');

    const releasedAt = Date.now();
    leader.stop.abort();
    await leader.run;
    expectLeadershipEnded(leader);
    await eventually('the follower takes over', () => follower.elector.isLeader(), 3000);
    // Released lease: no need to wait out the 1.5 s lease, one retry period (+20% jitter) suffices.
    expect(Date.now() - releasedAt).toBeLessThan(1000);
    expect(await holder('one-leader')).toBe(follower === a ? 'a' : 'b');
  });

  test('a leader whose renewals fail steps down before another replica takes over', async () => {
    const url = new URL(kc.getCurrentCluster()?.server ?? '');
    const proxy = await TcpProxy.start(url.hostname, Number(url.port));
    proxies.push(proxy);
    const a = replica('a', 'partitioned', { kubeConfig: proxy.kubeConfig(kc) });
    await eventually('a leads', () => a.elector.isLeader());
    const b = replica('b', 'partitioned');
    await sleep(600);
    expect(b.elector.isLeader()).toBe(false); // a keeps renewing

    proxy.refuse(true); // a is cut off from the apiserver
    proxy.cut();
    await a.run; // run returns once leadership is lost
    expect(a.elector.isLeader()).toBe(false);
    expectLeadershipEnded(a);
    await eventually('b takes over after the lease expires', () => b.elector.isLeader(), 5000);
    expect(b.startedAt).toBeGreaterThan(a.stoppedAt ?? Infinity);
    expect(await holder('partitioned')).toBe('b');
    const lease = await coordination.readNamespacedLease({ name: 'partitioned', namespace });
    expect(lease.spec?.leaseTransitions).toBe(1);
  });

  test('a lease held by a live replica is not taken over', async () => {
    // Another replica that renews through the raw API.
    const now = (): k8s.V1MicroTime => new k8s.V1MicroTime(Date.now());
    const lease = await coordination.createNamespacedLease({
      namespace,
      body: {
        metadata: { name: 'held' },
        spec: { holderIdentity: 'other', leaseDurationSeconds: 1, renewTime: now(), acquireTime: now() },
      },
    });
    let current = lease;
    const c = replica('c', 'held');
    for (let i = 0; i < 10; i++) {
      await sleep(200);
      current = await coordination.replaceNamespacedLease({
        name: 'held',
        namespace,
        body: { ...current, spec: { ...current.spec, renewTime: now() } },
      });
      expect(c.elector.isLeader()).toBe(false);
    }
    // The other replica dies: c takes over once the lease is 1.5 s (its own leaseDuration) stale.
    await eventually('c takes over', () => c.elector.isLeader(), 4000);
    expect(await holder('held')).toBe('c');
  });

  test('rejects inconsistent timing', () => {
    expect(
      () =>
        new LeaderElector({
          kubeConfig: kc,
          namespace: 'x',
          leaseName: 'x',
          identity: 'x',
          leaseDurationMs: 1000,
          renewDeadlineMs: 2000,
          onStartedLeading: () => undefined,
        }),
    ).toThrow(RangeError);
  });
});
