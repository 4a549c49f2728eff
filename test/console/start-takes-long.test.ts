// A start job that runs long is reported with the guest's console tail: plan asks act for it.
import { planJob, START_TAKES_LONG_MS } from '../../src/controllers/partition/plan.js';
import type { PendingJob } from '../../src/controllers/partition/model.js';

const submitted = new Date('2026-12-02T10:00:00Z');
const job = (operation: 'start' | 'stop'): PendingJob => ({
  uri: '/api/jobs/j1',
  operation,
  submittedAt: submitted.toISOString(),
});
const at = (ms: number): Date => new Date(submitted.getTime() + ms);

test('a start job running for less than 5 minutes is a plain wait', () => {
  const a = planJob(job('start'), { state: 'running', recheckMs: 60_000 }, at(START_TAKES_LONG_MS - 1));
  expect(a).toEqual({
    kind: 'wait',
    reason: 'WaitingForJob',
    message: `start job /api/jobs/j1 submitted at ${submitted.toISOString()}`,
    recheckMs: 60_000,
  });
});

test('a start job running for 5 minutes asks for the console tail, still polled at the same pace', () => {
  const a = planJob(job('start'), { state: 'running', recheckMs: 60_000 }, at(START_TAKES_LONG_MS));
  expect(a).toEqual({
    kind: 'wait',
    reason: 'StartTakesLong',
    message: `start job /api/jobs/j1 submitted at ${submitted.toISOString()} has not ended after 5 minutes`,
    recheckMs: 60_000,
    consoleTail: true,
  });
});

test('a long stop job and an ended start job are not start-takes-long', () => {
  expect(planJob(job('stop'), { state: 'running', recheckMs: 1 }, at(3_600_000))).toMatchObject({
    reason: 'WaitingForJob',
  });
  expect(planJob(job('start'), { state: 'failed', message: 'x' }, at(3_600_000))).toMatchObject({
    kind: 'finish-job',
  });
});
