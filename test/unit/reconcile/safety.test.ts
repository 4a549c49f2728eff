// Fast tier: nothing leaks and nothing invalid reaches the HMC. A create whose answer is lost, then deletion
// while the HMC is unreachable; references and duplicates refused before any HMC request.
import { FINALIZER, PLURAL, type Partition } from '../../../src/crds/index.js';
import { partitionHmcName } from '../../../src/controllers/naming.js';
import {
  CPC_URI,
  FCP_1,
  NS,
  hbaCr,
  nicCr,
  partitionCr,
  startReconcileEnv,
  type ReconcileEnv,
} from './harness.js';

const get = (env: ReconcileEnv, name: string): Partition | undefined =>
  env.kube.get<Partition>(PLURAL.Partition, NS, name);
const readyReason = (p: Partition | undefined): string | undefined =>
  p?.status?.conditions?.find((c) => c.type === 'Ready')?.reason;

describe('lost create and deletion during an HMC outage (fast tier)', () => {
  let env: ReconcileEnv;
  afterEach(async () => {
    await env?.stop();
  });

  it('keeps the finalizer until the name lookup answered, then deletes what the lost create made', async () => {
    env = await startReconcileEnv({ requestTimeoutMs: 400 });
    // The create reaches the HMC but its answer comes after the client gave up (as with a crash or a cut link).
    await env.sim.admin.setFaults([
      { route: 'POST /api/cpcs/{id}/partitions', kind: 'latency', ms: 1200, count: 1 },
    ]);
    env.kube.apply(PLURAL.Partition, partitionCr('lost'));
    await env.settle(() => env.outcomes.some((o) => o.kind === 'retry'), 'the create to time out');
    const cr = get(env, 'lost')!;
    const hmcName = partitionHmcName('demo', cr.metadata.uid ?? '');
    expect(cr.metadata.annotations?.['dpm.operator.dev/create-attempted']).toBe(hmcName);
    expect(cr.status?.partitionUri).toBeUndefined();

    // The HMC becomes unreachable and the user deletes the Partition.
    await env.sim.admin.setFaults([{ kind: 'reset' }]);
    env.kube.delete(PLURAL.Partition, NS, 'lost');
    const before = env.outcomes.length;
    await env.settle(() => env.outcomes.length >= before + 5, 'passes during the outage');
    const held = get(env, 'lost');
    expect(held?.metadata.deletionTimestamp).toBeTruthy();
    expect(held?.metadata.finalizers).toContain(FINALIZER);
    expect(held?.status?.conditions?.find((c) => c.type === 'Synced')?.reason).toBe('HmcUnreachable');
    expect(held?.status?.conditions?.find((c) => c.type === 'Synced')?.message).toContain(
      'the finalizer stays',
    );

    // The lost create did happen on the HMC.
    await env.sim.admin.clearFaults();
    await new Promise((r) => setTimeout(r, 1000));
    expect((await env.gateway.listPartitions(CPC_URI)).map((p) => p.name)).toContain(hmcName);

    // The HMC is back: the lookup finds the partition, the operator deletes it, then lets the CR go.
    await env.settle(() => get(env, 'lost') === undefined, 'the Partition CR to be gone', 30_000);
    expect((await env.gateway.listPartitions(CPC_URI)).map((p) => p.name)).not.toContain(hmcName);
    expect(env.kube.events).toContainEqual(expect.objectContaining({ name: 'lost', reason: 'Deleted' }));
  });

  it('releases at once a Partition whose create was never attempted, even while the HMC is unreachable', async () => {
    env = await startReconcileEnv();
    env.kube.apply(PLURAL.Partition, partitionCr('too-big', { processors: { ifls: 17, mode: 'Shared' } }));
    await env.settle(() => readyReason(get(env, 'too-big')) === 'LimitExceeded', 'LimitExceeded');
    expect(get(env, 'too-big')?.metadata.annotations?.['dpm.operator.dev/create-attempted']).toBeUndefined();
    await env.sim.admin.setFaults([{ kind: 'reset' }]);
    env.kube.delete(PLURAL.Partition, NS, 'too-big');
    await env.settle(() => get(env, 'too-big') === undefined, 'CR gone');
  });
});

describe('adoption (fast tier)', () => {
  let env: ReconcileEnv;
  afterAll(async () => {
    await env?.stop();
  });

  it("stays refused for another subset's partition, pass after pass, and never touches it", async () => {
    env = await startReconcileEnv();
    const uri = await env.client.partitions.create(CPC_URI, {
      name: 'theirs',
      description: 'OpenStack CPCSubset=other',
      'ifl-processors': 1,
      'initial-memory': 1024,
      'maximum-memory': 1024,
    });
    env.kube.apply(PLURAL.Partition, partitionCr('grabby', { adoptPartitionName: 'theirs' }));
    await env.settle(() => readyReason(get(env, 'grabby')) === 'AdoptionFailed', 'AdoptionFailed');
    await env.sim.admin.resetStats();
    for (let i = 0; i < 3; i++) {
      const n = env.outcomes.length;
      env.enqueue(`${NS}/grabby`);
      await env.settle(() => env.outcomes.length > n, 'another pass');
    }
    expect(readyReason(get(env, 'grabby'))).toBe('AdoptionFailed');
    expect(get(env, 'grabby')?.status?.partitionUri).toBeUndefined();
    const { routes } = await env.sim.admin.stats();
    expect(Object.keys(routes).filter((r) => !r.startsWith('GET'))).toEqual([]); // nothing written
    const props = await env.client.partitions.get(uri);
    expect(props.description).toBe('OpenStack CPCSubset=other');
  });
});

describe('validation before the HMC (fast tier)', () => {
  let env: ReconcileEnv;
  beforeAll(async () => {
    env = await startReconcileEnv();
    await env.gateway.virtualSwitchUris(CPC_URI); // the CPC inventory is cached per connection
  });
  afterAll(async () => {
    await env?.stop();
  });

  const refused = async (name: string, reason: string): Promise<string> => {
    await env.settle(() => readyReason(get(env, name)) === reason, `${name} ${reason}`);
    const { total } = await env.sim.admin.stats();
    expect(total).toBe(0); // not one HMC request
    expect(get(env, name)?.status?.partitionUri).toBeUndefined();
    expect(env.kube.events).toContainEqual(expect.objectContaining({ name, type: 'Warning', reason }));
    return get(env, name)!.status!.conditions!.find((c) => c.type === 'Ready')!.message!;
  };

  beforeEach(async () => {
    await env.sim.admin.resetStats();
  });

  it('waits for a boot hbaRef naming no PartitionHba, then refuses it', async () => {
    const boot = {
      type: 'FcpVolume' as const,
      fcpVolume: { hbaRef: { name: 'missing' }, targetWwpn: '500507680b2145f0', lun: '0' },
    };
    // Just created: the PartitionHba may follow in a moment (kubectl apply of a directory, the Nova bridge).
    env.kube.apply(PLURAL.Partition, partitionCr('young', { boot }));
    await env.settle(() => readyReason(get(env, 'young')) === 'WaitingForHba', 'young WaitingForHba');
    expect(get(env, 'young')?.status?.conditions?.find((c) => c.type === 'Ready')?.message).toContain(
      'spec.boot.fcpVolume.hbaRef.name',
    );
    const old = partitionCr('no-hba', { boot });
    old.metadata.creationTimestamp = new Date(Date.now() - 60_000);
    env.kube.apply(PLURAL.Partition, old);
    expect(await refused('no-hba', 'BootHbaNotFound')).toContain('spec.boot.fcpVolume.hbaRef.name');
  });

  it('refuses a NIC on a virtual switch the CPC does not have', async () => {
    env.kube.apply(PLURAL.Partition, partitionCr('bad-vs'));
    env.kube.apply(
      PLURAL.PartitionNic,
      nicCr('bad-vs-nic', 'bad-vs', '02:00:00:00:02:01', {
        virtualSwitch: { objectId: 'a1b2c3d4-0000-4000-8000-00000000dead' },
      }),
    );
    expect(await refused('bad-vs', 'VirtualSwitchNotFound')).toContain('spec.virtualSwitch.objectId');
  });

  it('refuses two NICs with the same MAC', async () => {
    env.kube.apply(PLURAL.Partition, partitionCr('two-macs'));
    env.kube.apply(PLURAL.PartitionNic, nicCr('two-macs-a', 'two-macs', '02:00:00:00:03:01'));
    env.kube.apply(PLURAL.PartitionNic, nicCr('two-macs-b', 'two-macs', '02:00:00:00:03:01'));
    expect(await refused('two-macs', 'DuplicateMac')).toContain('spec.mac');
  });

  it('refuses a NIC and an HBA with the same device number', async () => {
    env.kube.apply(PLURAL.Partition, partitionCr('two-devnos'));
    env.kube.apply(
      PLURAL.PartitionHba,
      hbaCr('two-devnos-hba', 'two-devnos', FCP_1, { deviceNumber: '0a00' }),
    );
    env.kube.apply(
      PLURAL.PartitionNic,
      nicCr('two-devnos-nic', 'two-devnos', '02:00:00:00:04:01', { deviceNumber: '0A00' }),
    );
    expect(await refused('two-devnos', 'DuplicateDeviceNumber')).toContain('spec.deviceNumber');
  });

  it('says when the CpcSubset is missing, with an Event', async () => {
    env.kube.apply(PLURAL.Partition, partitionCr('orphan', { cpcSubsetRef: { name: 'nope' } }));
    expect(await refused('orphan', 'CpcSubsetNotFound')).toContain('spec.cpcSubsetRef.name');
  });
});
