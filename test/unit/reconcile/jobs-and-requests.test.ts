// Fast tier: the Partition reconciler end to end against the in-process simulator and in-memory Kubernetes.
// Jobs are submitted and recorded, never awaited; a restart resumes a recorded job; a failed job is a typed
// reason; apply -> Active is counted request by request.
import { PLURAL, type Partition } from '../../../src/crds/index.js';
import {
  CPC_URI,
  FCP_1,
  FCP_2,
  NS,
  VSWITCH_B,
  hbaCr,
  nicCr,
  partitionCr,
  startReconcileEnv,
  type ReconcileEnv,
} from './harness.js';

const get = (env: ReconcileEnv, name: string): Partition | undefined =>
  env.kube.get<Partition>(PLURAL.Partition, NS, name);
const ready = (p: Partition | undefined): boolean =>
  Boolean(p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));

describe('partition reconcile against the simulator (fast tier)', () => {
  let env: ReconcileEnv;
  afterEach(async () => {
    await env?.stop();
  });

  it('brings a partition with 2 NICs and 2 HBAs booting from FCP to Active in at most 12 HMC requests', async () => {
    env = await startReconcileEnv();
    await env.sim.admin.resetStats();
    env.kube.apply(PLURAL.PartitionHba, hbaCr('web-hba-a', 'web', FCP_1));
    env.kube.apply(PLURAL.PartitionHba, hbaCr('web-hba-b', 'web', FCP_2));
    env.kube.apply(PLURAL.PartitionNic, nicCr('web-nic-a', 'web', '02:00:00:00:01:0a'));
    env.kube.apply(
      PLURAL.PartitionNic,
      nicCr('web-nic-b', 'web', '02:00:00:00:01:0b', { virtualSwitch: { objectId: VSWITCH_B }, port: 1 }),
    );
    env.kube.apply(
      PLURAL.Partition,
      partitionCr('web', {
        boot: {
          type: 'FcpVolume',
          fcpVolume: { hbaRef: { name: 'web-hba-a' }, targetWwpn: '500507680b2145f0', lun: '1' },
        },
      }),
    );
    await env.settle(() => ready(get(env, 'web')), 'web Ready');
    const p = get(env, 'web')!;
    expect(p.status?.hmcStatus).toBe('active');
    expect(p.status?.phase).toBe('Running');
    expect(p.status?.pendingJob).toBeUndefined();
    const { routes, total } = await env.sim.admin.stats();
    // Session logon + topics (2), the CPC's virtual switches (1), create (1), 2 HBAs + their reads (4),
    // 2 NICs (2), boot properties (1), start job (1) and its DELETE (1): 13 with the session, 11 for the partition.
    expect(routes['POST /api/cpcs/{id}/partitions']?.count).toBe(1);
    expect(routes['POST /api/partitions/{id}/operations/start']?.count).toBe(1);
    expect(routes['GET /api/jobs/{id}']?.count ?? 0).toBe(0);
    expect(routes['GET /api/partitions/{id}']?.count ?? 0).toBe(0);
    expect(routes['GET /api/cpcs/{id}/partitions']?.count ?? 0).toBe(0); // nothing attempted: no create-guard list
    expect(total).toBeLessThanOrEqual(13);
    const nicDevnos = (p.status?.nics ?? []).map((n) => n.deviceNumber);
    expect(nicDevnos).toEqual(['1000', '1001']);
    expect(p.status?.bootOsSpecificParameters).toBe('1000,0,02000000010a;1001,1,02000000010b;');
    for (const h of p.status?.hbas ?? []) expect(h.wwpn).toMatch(/^[0-9a-f]{16}$/);
    const reasons = env.kube.events.filter((e) => e.name === 'web').map((e) => e.reason);
    expect(reasons).toEqual(
      expect.arrayContaining(['Created', 'HbaCreated', 'NicCreated', 'Updated', 'Starting', 'Started']),
    );
    expect(env.kube.events.filter((e) => e.type === 'Warning')).toEqual([]);
  });

  it('writes a status only when it changes: children twice (Pending, Available), nothing once in sync', async () => {
    env = await startReconcileEnv();
    env.kube.apply(PLURAL.PartitionHba, hbaCr('db-hba-a', 'db', FCP_1));
    env.kube.apply(PLURAL.PartitionHba, hbaCr('db-hba-b', 'db', FCP_2));
    env.kube.apply(PLURAL.PartitionNic, nicCr('db-nic-a', 'db', '02:00:00:00:02:0a'));
    env.kube.apply(
      PLURAL.PartitionNic,
      nicCr('db-nic-b', 'db', '02:00:00:00:02:0b', { virtualSwitch: { objectId: VSWITCH_B }, port: 1 }),
    );
    env.kube.apply(
      PLURAL.Partition,
      partitionCr('db', {
        boot: {
          type: 'FcpVolume',
          fcpVolume: { hbaRef: { name: 'db-hba-a' }, targetWwpn: '500507680b2145f0', lun: '1' },
        },
      }),
    );
    await env.settle(() => ready(get(env, 'db')), 'db Ready');
    const writes = Object.fromEntries(env.kube.statusWrites);
    const children = Object.entries(writes).filter(([k]) => !k.startsWith(`${PLURAL.Partition}/`));
    expect(children).toHaveLength(4);
    for (const [, n] of children) expect(n).toBeLessThanOrEqual(2);
    // One write per pass that changed something: create, 2 HBAs, 2 NICs, boot, start, HMC status starting
    // (when its notification comes before the job's end), job done and Running (one pass).
    expect(writes[`${PLURAL.Partition}/${NS}/db`]).toBeLessThanOrEqual(9);
    // More passes over the unchanged partition write nothing.
    const before = [...env.kube.statusWrites.values()].reduce((a, b) => a + b, 0);
    const passes = env.outcomes.length;
    for (let i = 0; i < 3; i++) {
      env.enqueue(`${NS}/db`);
      await env.settle(() => env.outcomes.length > passes + i, 'one more pass');
    }
    expect([...env.kube.statusWrites.values()].reduce((a, b) => a + b, 0)).toBe(before);
  });

  it('tells a NIC that its Partition is missing only after a grace: a NIC applied first raises no Warning', async () => {
    env = await startReconcileEnv();
    const notFound = (): unknown[] => env.kube.events.filter((e) => e.reason === 'PartitionNotFound');
    env.kube.apply(PLURAL.PartitionNic, nicCr('early-nic', 'early', '02:00:00:00:03:0a'));
    await env.settle(() => env.outcomes.length > 0, 'the first pass');
    expect(env.outcomes[0]?.kind).toBe('requeue'); // looked at again once the grace has passed
    expect(notFound()).toEqual([]);
    expect(env.kube.statusWrites.size).toBe(0);
    env.kube.apply(PLURAL.Partition, partitionCr('early'));
    await env.settle(() => ready(get(env, 'early')), 'early Ready');
    expect(notFound()).toEqual([]);
    // A NIC older than the grace whose Partition does not exist is told at once.
    const old = nicCr('lost-nic', 'nowhere', '02:00:00:00:03:0b');
    old.metadata.creationTimestamp = new Date(Date.now() - 60_000);
    env.kube.apply(PLURAL.PartitionNic, old);
    await env.settle(() => notFound().length > 0, 'PartitionNotFound');
    expect(notFound()).toEqual([expect.objectContaining({ type: 'Warning', name: 'lost-nic' })]);
  });

  it('reads a CPC’s virtual switches once for passes that ask at the same time', async () => {
    env = await startReconcileEnv();
    await env.sim.admin.resetStats();
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => env.gateway.virtualSwitchUris(CPC_URI)));
    expect(a!.size).toBeGreaterThan(0);
    expect(b).toBe(a);
    expect(c).toBe(a);
    await env.gateway.virtualSwitchUris(CPC_URI); // and then from the cache
    const { routes } = await env.sim.admin.stats();
    expect(routes['GET /api/cpcs/{id}/virtual-switches']?.count).toBe(1);
  });

  it('records the start job in status and returns at once; the notification finishes it', async () => {
    env = await startReconcileEnv({ sim: { jobDurationMs: 1500 } });
    env.kube.apply(PLURAL.Partition, partitionCr('slow'));
    await env.settle(() => Boolean(get(env, 'slow')?.status?.pendingJob), 'start job recorded');
    const job = get(env, 'slow')!.status!.pendingJob!;
    expect(job.operation).toBe('start');
    expect(job.uri).toMatch(/^\/api\/jobs\//);
    // No reconcile pass waits for the job: every pass returned although the job is still running.
    const t0 = Date.now();
    env.enqueue(`${NS}/slow`);
    await env.settle(() => env.outcomes.length > 0 && Date.now() - t0 > 300, 'a few passes');
    expect(get(env, 'slow')!.status!.pendingJob?.uri).toBe(job.uri);
    expect(get(env, 'slow')!.status!.conditions?.find((c) => c.type === 'Ready')?.reason).toBe(
      'WaitingForJob',
    );
    await env.settle(() => ready(get(env, 'slow')), 'slow Ready');
    expect(get(env, 'slow')!.status!.pendingJob).toBeUndefined();
  });

  it('after a restart resumes the recorded job and never submits it again', async () => {
    env = await startReconcileEnv({ sim: { jobDurationMs: 1000 }, jobPollMs: 100 });
    env.kube.apply(PLURAL.Partition, partitionCr('resumed'));
    await env.settle(() => Boolean(get(env, 'resumed')?.status?.pendingJob), 'start job recorded');
    await env.restart(); // the new process has seen no notification for that job
    await env.sim.admin.resetStats();
    await env.settle(() => ready(get(env, 'resumed')), 'resumed Ready');
    const { routes } = await env.sim.admin.stats();
    expect(routes['POST /api/partitions/{id}/operations/start']?.count ?? 0).toBe(0);
    // boot type None: a started partition pauses (no boot device), the expected end state.
    expect(get(env, 'resumed')!.status!.hmcStatus).toBe('paused');
  });

  it('turns a failed start job into StartFailed with the HMC message, then retries', async () => {
    env = await startReconcileEnv();
    const message = 'The operating system in the partition failed to load.';
    await env.sim.admin.setFaults([
      { kind: 'job-failure', operation: 'start', httpStatus: 409, reason: 131, message, count: 1 },
    ]);
    env.kube.apply(PLURAL.Partition, partitionCr('failing'));
    await env.settle(
      () => get(env, 'failing')?.status?.conditions?.some((c) => c.reason === 'StartFailed') ?? false,
      'StartFailed',
    );
    const ready = get(env, 'failing')!.status!.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready.reason).toBe('StartFailed');
    expect(ready.message?.startsWith(message)).toBe(true); // the HMC's words first, then the guest's console
    expect(env.kube.events).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        reason: 'StartFailed',
        message: expect.stringContaining(message),
      }),
    );
    await env.settle(() => get(env, 'failing')?.status?.hmcStatus === 'paused', 'started on retry');
    const { routes } = await env.sim.admin.stats();
    expect(routes['POST /api/partitions/{id}/operations/start']?.count).toBe(2);
  });

  it('reports a 422 conflict quietly and retries: no HmcUnreachable, no Warning', async () => {
    env = await startReconcileEnv();
    env.kube.apply(PLURAL.Partition, partitionCr('contended'));
    env.kube.conflictOnce.add(`${PLURAL.Partition}/contended`);
    await env.settle(() => ready(get(env, 'contended')), 'contended Ready');
    expect(env.outcomes[0]).toEqual({ kind: 'requeue', afterMs: 1000 });
    expect(env.kube.events.filter((e) => e.type === 'Warning')).toEqual([]);
    const { routes } = await env.sim.admin.stats();
    expect(routes['POST /api/cpcs/{id}/partitions']?.count).toBe(1);
  });
});
