import * as k8s from '@kubernetes/client-node';
import { LAST_APPLIED_ANNOTATION, SupervisedInformer, watchPath } from '../../src/runtime/informer.js';
import { generationOrMetadataChanged } from '../../src/runtime/predicates.js';
import { freshNamespace, kubeConfig } from '../harness/kube.js';
import { eventually, sleep } from './helpers/eventually.js';
import { TcpProxy } from './helpers/tcp-proxy.js';

type Cm = k8s.V1ConfigMap;

const kc = kubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
let namespace: string;
const informers: SupervisedInformer<Cm>[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  namespace = await freshNamespace(kc, 'informer');
});

afterEach(async () => {
  await Promise.all(informers.splice(0).map((i) => i.stop()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

interface Recorded {
  readonly events: string[];
  readonly informer: SupervisedInformer<Cm>;
}

function makeInformer(
  config: k8s.KubeConfig,
  extra: Partial<ConstructorParameters<typeof SupervisedInformer<Cm>>[0]> = {},
): Recorded {
  const api = config.makeApiClient(k8s.CoreV1Api);
  const informer = new SupervisedInformer<Cm>({
    kubeConfig: config,
    path: watchPath('v1', 'configmaps', namespace),
    list: () => api.listNamespacedConfigMap({ namespace, labelSelector: extra.labelSelector }),
    name: 'configmaps',
    backoff: () => 100,
    ...extra,
  });
  const events: string[] = [];
  informer.addEventHandler({
    add: (o) => events.push(`add:${o.metadata?.name}`),
    update: (_old, o) => events.push(`update:${o.metadata?.name}:${o.data?.v ?? ''}`),
    delete: (o) => events.push(`delete:${o.metadata?.name}`),
  });
  informers.push(informer);
  return { events, informer };
}

async function createCm(name: string, v: string, labels?: Record<string, string>): Promise<void> {
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name, labels }, data: { v } } });
}

async function setCm(name: string, v: string): Promise<void> {
  const cm = await core.readNamespacedConfigMap({ name, namespace });
  await core.replaceNamespacedConfigMap({ name, namespace, body: { ...cm, data: { v } } });
}

async function deleteCm(name: string): Promise<void> {
  await core.deleteNamespacedConfigMap({ name, namespace });
}

async function apiserverProxy(): Promise<TcpProxy> {
  const url = new URL(kc.getCurrentCluster()?.server ?? '');
  const proxy = await TcpProxy.start(url.hostname, Number(url.port));
  proxies.push(proxy);
  return proxy;
}

describe('SupervisedInformer against the real apiserver', () => {
  test('lists existing objects, then emits add, update and delete, and serves the cache', async () => {
    const sel = { app: 'basic' };
    await createCm('pre', '0', sel);
    const { events, informer } = makeInformer(kc, { labelSelector: 'app=basic' });
    expect(informer.hasSynced()).toBe(false);
    await informer.start();
    await expect(informer.waitForSync()).resolves.toBe(true);
    expect(events).toEqual(['add:pre']);
    await createCm('other-label', '0', { app: 'else' }); // filtered out by the label selector

    await createCm('a', '1', sel);
    await eventually('add of a', () => events.includes('add:a'));
    expect(informer.get(namespace, 'a')?.data?.v).toBe('1');

    await setCm('a', '2');
    await eventually('update of a', () => events.includes('update:a:2'));
    expect(informer.get(namespace, 'a')?.data?.v).toBe('2');
    expect(
      informer
        .list(namespace)
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['a', 'pre']);

    await deleteCm('a');
    await eventually('delete of a', () => events.includes('delete:a'));
    expect(informer.get(namespace, 'a')).toBeUndefined();
    expect(events.some((e) => e.includes('other-label'))).toBe(false);
    await deleteCm('pre');
    await deleteCm('other-label');
  });

  test('update handlers get the previous object, so predicates can filter', async () => {
    const { informer } = makeInformer(kc, { labelSelector: 'app=pred' });
    const decisions: Array<[string, boolean]> = [];
    informer.addEventHandler({
      update: (o, n) => decisions.push([n.data?.v ?? '', generationOrMetadataChanged(o, n)]),
    });
    await createCm('p', '1', { app: 'pred' });
    await informer.start();
    await informer.waitForSync();
    await setCm('p', '2'); // data only: no generation or metadata change
    await eventually('data update', () => decisions.length === 1);
    const cm = await core.readNamespacedConfigMap({ name: 'p', namespace });
    await core.replaceNamespacedConfigMap({
      name: 'p',
      namespace,
      body: { ...cm, metadata: { ...cm.metadata, annotations: { touched: 'yes' } } },
    });
    await eventually('annotation update', () => decisions.length === 2);
    expect(decisions).toEqual([
      ['2', false],
      ['2', true],
    ]);
    await deleteCm('p');
  });

  test('restarts with backoff after the connection breaks and loses no event', async () => {
    const proxy = await apiserverProxy();
    const { events, informer } = makeInformer(proxy.kubeConfig(kc), { labelSelector: 'app=cut' });
    await createCm('c1', '1', { app: 'cut' });
    await createCm('c2', '1', { app: 'cut' });
    await informer.start();
    await informer.waitForSync();
    await eventually('watch connected', () => proxy.connections() === 1);

    proxy.refuse(true);
    proxy.cut();
    await setCm('c1', '2');
    await deleteCm('c2');
    await createCm('c3', '1', { app: 'cut' });
    await sleep(500); // several refused reconnects
    proxy.refuse(false);

    await eventually('changes made while disconnected', () =>
      ['update:c1:2', 'delete:c2', 'add:c3'].every((e) => events.includes(e)),
    );
    expect(informer.stats().restarts).toBeGreaterThanOrEqual(1);
    expect(
      informer
        .list(namespace)
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['c1', 'c3']);
    await deleteCm('c1');
    await deleteCm('c3');
  });

  test('the watchdog relists a silent (half-open) watch and loses no event', async () => {
    const proxy = await apiserverProxy();
    const { events, informer } = makeInformer(proxy.kubeConfig(kc), {
      labelSelector: 'app=frozen',
      watchTimeoutSeconds: () => 1, // a healthy stream closes and resumes every second
      watchdogMs: 3000,
      resyncMs: 0,
    });
    await createCm('f1', '1', { app: 'frozen' });
    await createCm('f2', '1', { app: 'frozen' });
    await informer.start();
    await informer.waitForSync();
    await sleep(4000);
    expect(informer.stats().watchdogTrips).toBe(0); // healthy stream: server closes + resumes, no relist
    expect(informer.stats().lists).toBe(1);

    proxy.freeze();
    await setCm('f1', '2');
    await deleteCm('f2');
    await createCm('f3', '1', { app: 'frozen' });
    await sleep(1500);
    expect(events).not.toContain('add:f3'); // really frozen

    await eventually(
      'changes made while the stream was silent',
      () => ['update:f1:2', 'delete:f2', 'add:f3'].every((e) => events.includes(e)),
      10_000,
    );
    expect(informer.stats().watchdogTrips).toBeGreaterThanOrEqual(1);
    expect(informer.stats().lists).toBeGreaterThanOrEqual(2);
    expect(informer.isHealthy()).toBe(true);
    await deleteCm('f1');
    await deleteCm('f3');
  });

  test('a periodic resync relists and re-emits unchanged objects as updates', async () => {
    const { events, informer } = makeInformer(kc, {
      labelSelector: 'app=resync',
      resyncMs: 1000,
      resyncJitter: 0,
    });
    const resyncs: Array<boolean> = [];
    informer.addEventHandler({ update: (o, n) => resyncs.push(o === n) });
    await createCm('r', '1', { app: 'resync' });
    await informer.start();
    await informer.waitForSync();
    await eventually('two resyncs', () => informer.stats().resyncs >= 2, 5000);
    expect(events.filter((e) => e === 'update:r:1').length).toBeGreaterThanOrEqual(2);
    expect(resyncs.every((same) => same)).toBe(true);
    expect(informer.stats().lists).toBeGreaterThanOrEqual(3);
    await deleteCm('r');
  });

  test('caches objects without managedFields and the last-applied annotation, from list and watch', async () => {
    const annotations = { [LAST_APPLIED_ANNOTATION]: '{"big":"copy"}', keep: 'me' };
    const create = (name: string) =>
      core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name, labels: { app: 'strip' }, annotations }, data: { v: '1' } },
      });
    await create('listed');
    const { informer } = makeInformer(kc, { labelSelector: 'app=strip' });
    const seen: Cm[] = [];
    informer.addEventHandler({ add: (o) => seen.push(o), update: (_o, n) => seen.push(n) });
    await informer.start();
    await informer.waitForSync();
    await create('watched');
    await eventually('watched object', () => informer.get(namespace, 'watched') !== undefined);
    // What the API server stores has both (so the test can fail).
    const stored = await core.readNamespacedConfigMap({ name: 'watched', namespace });
    expect(stored.metadata?.managedFields?.length).toBeGreaterThan(0);
    expect(stored.metadata?.annotations?.[LAST_APPLIED_ANNOTATION]).toBeDefined();
    for (const name of ['listed', 'watched']) {
      const cached = informer.get(namespace, name)!;
      expect(cached.metadata?.managedFields).toBeUndefined();
      expect(cached.metadata?.annotations).toEqual({ keep: 'me' });
      expect(cached.metadata?.resourceVersion).toBeDefined();
      expect(cached.data).toEqual({ v: '1' });
    }
    // Handlers get the cached (stripped) objects.
    expect(seen.map((o) => o.metadata?.managedFields)).toEqual([undefined, undefined]);
    await deleteCm('listed');
    await deleteCm('watched');
  });

  test('stop ends event delivery', async () => {
    const { events, informer } = makeInformer(kc, { labelSelector: 'app=stop' });
    await informer.start();
    await informer.waitForSync();
    await informer.stop();
    await createCm('s', '1', { app: 'stop' });
    await sleep(500);
    expect(events).toEqual([]);
    await deleteCm('s');
  });
});
