import * as k8s from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import { EventRecorder } from '../../src/runtime/events.js';
import { createLogger } from '../../src/runtime/logger.js';
import { FakeClock } from '../../src/runtime/testing/fake-clock.js';
import { freshNamespace, kubeConfig } from '../harness/kube.js';

const kc = kubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
let namespace: string;

beforeAll(async () => {
  namespace = await freshNamespace(kc, 'events');
});

async function subject(name: string): Promise<k8s.V1ConfigMap> {
  const cm = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name } } });
  return { ...cm, apiVersion: 'v1', kind: 'ConfigMap' };
}

async function eventsFor(obj: k8s.V1ConfigMap): Promise<k8s.CoreV1Event[]> {
  const list = await core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.uid=${obj.metadata?.uid}`,
  });
  return list.items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

function recorder(clock = new FakeClock()): { recorder: EventRecorder; clock: FakeClock } {
  return {
    recorder: new EventRecorder({ kubeConfig: kc, component: 'dpm-operator', instance: 'pod-1', clock }),
    clock,
  };
}

describe('EventRecorder against the real apiserver', () => {
  test('creates Normal and Warning events describing the object', async () => {
    const obj = await subject('described');
    const { recorder: r } = recorder();
    await r.normal(obj, 'Created', 'partition created on the HMC');
    await r.warning(obj, 'CannotStart', 'HMC returned 409 reason 1');
    const events = await eventsFor(obj);
    expect(events).toHaveLength(2);
    const warning = events.find((e) => e.type === 'Warning');
    expect(warning).toMatchObject({
      reason: 'CannotStart',
      message: 'HMC returned 409 reason 1',
      count: 1,
      involvedObject: { kind: 'ConfigMap', name: 'described', namespace, uid: obj.metadata?.uid },
      source: { component: 'dpm-operator', host: 'pod-1' },
    });
    expect(events.find((e) => e.type === 'Normal')?.reason).toBe('Created');
  });

  test('aggregates repeats within 10 minutes, including concurrent bursts', async () => {
    const obj = await subject('repeated');
    const { recorder: r, clock } = recorder();
    await r.warning(obj, 'HmcUnreachable', 'connection refused');
    await clock.advance(60_000);
    await Promise.all([1, 2, 3].map(() => r.warning(obj, 'HmcUnreachable', 'connection refused')));
    let events = await eventsFor(obj);
    expect(events).toHaveLength(1);
    expect(events[0]?.count).toBe(4);
    expect(new Date(events[0]?.lastTimestamp ?? 0).getTime()).toBe(clock.now() - (clock.now() % 1000));

    await r.warning(obj, 'HmcUnreachable', 'timed out'); // different message: new Event
    expect(await eventsFor(obj)).toHaveLength(2);

    await clock.advance(10 * 60_000 + 1); // outside the window: new Event
    await r.warning(obj, 'HmcUnreachable', 'connection refused');
    events = await eventsFor(obj);
    expect(events).toHaveLength(3);
    expect(events.map((e) => e.count).sort()).toEqual([1, 1, 4]);
  });

  test('recreates an aggregated Event that was deleted meanwhile', async () => {
    const obj = await subject('expired');
    const { recorder: r } = recorder();
    await r.normal(obj, 'Started', 'ok');
    const [first] = await eventsFor(obj);
    await core.deleteNamespacedEvent({ name: first?.metadata?.name ?? '', namespace });
    await r.normal(obj, 'Started', 'ok');
    const events = await eventsFor(obj);
    expect(events).toHaveLength(1);
    expect(events[0]?.metadata?.name).not.toBe(first?.metadata?.name);
  });

  test('never rejects when the API server cannot be reached; logs instead', async () => {
    let logged = '';
    const logger = createLogger({
      destination: new Writable({
        write(chunk: Buffer, _e, cb) {
          logged += chunk.toString();
          cb();
        },
      }),
    });
    const broken = new k8s.KubeConfig();
    broken.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'u', token: 'secret-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const r = new EventRecorder({ kubeConfig: broken, component: 'dpm-operator', logger });
    const obj = await subject('unreachable');
    await expect(r.warning(obj, 'Oops', 'nope')).resolves.toBeUndefined();
    expect(logged).toContain('could not record event');
    expect(logged).not.toContain('secret-token');
  });
});
