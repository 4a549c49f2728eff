// Asynchronous jobs (202 {job-uri}): state, completion, cancel, and the timers behind them.
import { randomUUID } from 'node:crypto';
import { conflict, notFound } from './errors.js';
import type { Session } from './sessions.js';
import type { Props } from './types.js';

export type JobStatus = 'running' | 'cancel-pending' | 'canceled' | 'complete';

export interface Job {
  readonly id: string;
  readonly uri: string;
  readonly session: Pick<Session, 'jobTopic'>;
  status: JobStatus;
  statusCode?: number;
  reasonCode?: number;
  results: Props | null;
  /** Called on cancel while running; undoes the operation's effects. */
  onCancel?: () => void;
}

export class JobStore {
  private readonly jobs = new Map<string, Job>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly immediates = new Set<NodeJS.Immediate>();

  constructor(private readonly onEnded: (job: Job) => void) {}

  create(session: Pick<Session, 'jobTopic'>): Job {
    const id = randomUUID();
    const job: Job = { id, uri: `/api/jobs/${id}`, session, status: 'running', results: null };
    this.jobs.set(id, job);
    return job;
  }

  get(id: string): Job {
    const j = this.jobs.get(id);
    if (!j) throw notFound(`/api/jobs/${id}`);
    return j;
  }

  /** Ends a running job: `statusCode` 200/201/204 on success (with `results`), else an HTTP error code + reason. */
  complete(job: Job, statusCode: number, reasonCode?: number, message?: string, results?: Props): void {
    if (job.status !== 'running') return;
    job.status = 'complete';
    job.statusCode = statusCode;
    if (reasonCode !== undefined) job.reasonCode = reasonCode;
    job.results = results ?? (message === undefined ? null : { message });
    this.onEnded(job);
  }

  /** Cancel Job: 409.40-style conflict when it already ended. */
  cancel(id: string): void {
    const job = this.get(id);
    if (job.status !== 'running') throw conflict(40, `Job ${job.uri} has already ended`);
    job.status = 'canceled';
    job.statusCode = 500;
    job.reasonCode = 0;
    job.results = { message: 'The job was canceled' };
    job.onCancel?.();
    this.onEnded(job);
  }

  /** Delete Completed Job Status: 409.40 unless ended. */
  delete(id: string): void {
    const job = this.get(id);
    if (job.status === 'running' || job.status === 'cancel-pending') {
      throw conflict(40, `Job ${job.uri} has not ended yet`);
    }
    this.jobs.delete(id);
  }

  /**
   * A timer that is cleared by `shutdown()`. 0 ms runs on setImmediate: after the current
   * response is written but before the next request is read, so a client's first poll sees
   * the job complete.
   */
  later(ms: number, fn: () => void): void {
    if (ms <= 0) {
      const i = setImmediate(() => {
        this.immediates.delete(i);
        fn();
      });
      this.immediates.add(i);
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  shutdown(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const i of this.immediates) clearImmediate(i);
    this.immediates.clear();
  }
}

/** The `GET /api/jobs/{id}` body. */
export function jobView(job: Job): Props {
  const out: Props = { status: job.status };
  if (job.status === 'complete' || job.status === 'canceled') {
    out['job-status-code'] = job.statusCode;
    if (job.reasonCode !== undefined) out['job-reason-code'] = job.reasonCode;
    out['job-results'] = job.results;
  }
  return out;
}
