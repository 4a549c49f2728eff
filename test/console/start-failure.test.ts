// A failed boot in the operator's lifecycle: the start job fails on the HMC (409.131, the OS did not
// load) and the guest printed a kernel panic; the Partition's Warning Event and Ready condition carry
// the HMC's message AND the guest's last console lines. Once the fault is gone the retry starts it.
import type { Partition } from '../../src/crds/index.js';
import { getCr, startOperatorEnv, waitFor, type OperatorEnv } from '../harness/operator.js';

const SAMPLES = [
  '00-hmc-credentials.yaml',
  '01-cpcsubset.yaml',
  '02-partition.yaml',
  '03-nics.yaml',
  '04-hbas.yaml',
];
const PANIC = 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)';

let env: OperatorEnv;
beforeAll(async () => {
  env = await startOperatorEnv({
    resyncMs: 1000,
    sim: {
      faults: [
        {
          kind: 'job-failure',
          operation: 'start',
          httpStatus: 409,
          reason: 131,
          message: 'The operating system in the partition failed to load. The partition is stopped.',
        },
      ],
    },
  });
});
afterAll(async () => {
  await env?.stop();
});

test('the StartFailed Event and the Ready condition show the kernel panic', async () => {
  await env.applySamples(SAMPLES);
  const event = await waitFor(
    'a StartFailed event',
    async () => (await env.events()).find((e) => e.name === 'web-01' && e.reason === 'StartFailed'),
    90_000,
  );
  expect(event.type).toBe('Warning');
  expect(event.message).toMatch(
    /^The operating system in the partition failed to load\. The partition is stopped\.; last OS messages: /,
  );
  expect(event.message).toContain(PANIC);
  expect(event.message.length).toBeLessThan(1024);

  const ready = await waitFor('Ready=False StartFailed', async () => {
    const p = await getCr<Partition>(env, 'partitions', 'web-01');
    return p?.status?.conditions?.find((c) => c.type === 'Ready' && c.reason === 'StartFailed');
  });
  expect(ready.message).toContain(PANIC);

  // The fault gone, the retry boots it.
  await env.sim.admin.clearFaults();
  await waitFor(
    'web-01 Running',
    async () => (await getCr<Partition>(env, 'partitions', 'web-01'))?.status?.phase === 'Running',
    120_000,
  );
});
