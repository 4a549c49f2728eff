// Start/Stop Partition: asynchronous jobs with realistic status transitions.
//   start: stopped|reservation-error -> starting -> active (paused when boot-device is none)
//   stop:  active|paused|degraded|terminated|reservation-error -> stopping -> stopped
// Wrong state -> 409.1. A job-failure fault ends the job with its status/reason and the
// partition back where it came from (e.g. 409.131 "the OS failed to load; stopped").
import { forbidden } from '../errors.js';
import { setStatus } from '../events.js';
import { osConsole } from '../os-messages.js';
import { getPartition, requireStatus } from '../partition-model.js';
import { bootVolumeProblem } from '../storage-model.js';
import type { RouteDef, SimContext, SimRequest, SimReply } from '../context.js';
import type { Resource } from '../store.js';

interface Transition {
  readonly op: 'start' | 'stop';
  readonly from: readonly string[];
  readonly via: string;
  readonly to: (p: Resource) => string;
  /** Status after a failed job. */
  readonly failed: string;
}

const START: Transition = {
  op: 'start',
  from: ['stopped', 'reservation-error'],
  via: 'starting',
  to: (p) => (p.props['boot-device'] === 'none' ? 'paused' : 'active'),
  failed: 'stopped',
};
const STOP: Transition = {
  op: 'stop',
  from: [
    'active',
    'paused',
    'degraded',
    'terminated',
    'reservation-error',
    'status-check',
    'communications-not-active',
  ],
  via: 'stopping',
  to: () => 'stopped',
  failed: 'active',
};

function assignPartitionId(sim: SimContext, p: Resource): void {
  if (p.props['autogenerate-partition-id'] !== true || p.props['partition-id'] !== null) return;
  const used = new Set<string>();
  for (const o of sim.store.list(p.parent, 'partition')) {
    if (typeof o.props['partition-id'] === 'string') used.add(o.props['partition-id']);
  }
  for (let n = 1; n < 256; n++) {
    const id = n.toString(16).toUpperCase().padStart(2, '0');
    if (!used.has(id)) {
      p.props['partition-id'] = id;
      return;
    }
  }
}

/** Why starting fails although no fault was injected (boot from an unusable storage volume). */
function startProblem(
  sim: SimContext,
  p: Resource,
): { status: number; reason: number; message: string } | undefined {
  if (p.props['boot-device'] !== 'storage-volume') return undefined;
  const problem = bootVolumeProblem(sim, p);
  return problem && { status: 409, ...problem };
}

function run(t: Transition, sim: SimContext, req: SimRequest): SimReply {
  const session = req.session;
  if (!session) throw forbidden(4, 'No session');
  const p = getPartition(sim, req.params[0] ?? '');
  requireStatus(p, t.from, t.op);
  const before = String(p.props['status']);
  const job = sim.jobs.create(session);
  const failure = sim.faults.jobFailure(t.op, req.route);
  setStatus(sim, p, t.via);
  job.onCancel = () => setStatus(sim, p, before);
  sim.jobs.later(sim.config.jobDurationMs, () => {
    if (job.status !== 'running') return;
    if (failure && failure.kind === 'job-failure') {
      setStatus(sim, p, t.failed);
      if (t.op === 'start') osConsole(sim).started(p, true);
      sim.jobs.complete(
        job,
        failure.httpStatus,
        failure.reason,
        failure.message ?? `The ${t.op} operation failed`,
      );
      return;
    }
    const problem = t.op === 'start' ? startProblem(sim, p) : undefined;
    if (problem) {
      setStatus(sim, p, t.failed);
      sim.jobs.complete(job, problem.status, problem.reason, problem.message);
      return;
    }
    if (t.op === 'start') assignPartitionId(sim, p);
    setStatus(sim, p, t.to(p));
    if (t.op === 'start' && p.props['status'] === 'active') {
      p.props['os-name'] = String(p.props['short-name'] ?? '').toLowerCase();
      p.props['os-type'] = 'Linux';
      p.props['os-version'] = '6.8.0';
      osConsole(sim).started(p, false);
    } else if (t.op === 'stop') {
      osConsole(sim).stopped(p);
      p.props['os-name'] = '';
      p.props['os-type'] = '';
      p.props['os-version'] = '';
    }
    sim.jobs.complete(job, 204);
  });
  // No Location header: zhmcclient 1.26 crashes on `Location` + a job without results.
  return { status: 202, body: { 'job-uri': job.uri } };
}

export const partitionOpRoutes: RouteDef[] = [
  {
    method: 'POST',
    template: '/api/partitions/{id}/operations/start',
    handle: (sim, req) => run(START, sim, req),
  },
  {
    method: 'POST',
    template: '/api/partitions/{id}/operations/stop',
    handle: (sim, req) => run(STOP, sim, req),
  },
];
