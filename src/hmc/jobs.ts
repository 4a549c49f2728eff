import type { Logger } from 'pino';
import { realDelay, type DelayFn } from './backoff.js';
import { HmcProtocolError, JobFailedError, OperationTimeoutError } from './errors.js';
import { silentLogger } from './logger.js';
import type { JobCompletionNotification, NotificationClient } from './notifications.js';
import type { HmcResponse, HmcSession } from './session.js';

/** `GET /api/jobs/{id}`. */
export interface JobStatus {
  readonly status: 'running' | 'cancel-pending' | 'canceled' | 'complete';
  /** An HTTP status code, present once the job ended. */
  readonly 'job-status-code'?: number;
  readonly 'job-reason-code'?: number;
  /** null on success; `{message}` on failure; operation-specific otherwise. */
  readonly 'job-results'?: unknown;
}

export interface JobWaitOptions {
  /** Give up after this long (default 15 min): OperationTimeoutError. The job is left running. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface JobManagerOptions {
  /** First poll delay when no notification connection is up (default 250 ms). */
  readonly pollInitialMs?: number;
  /** First poll delay while job notifications are connected: polling is only the fallback (default 2 s). */
  readonly notifiedPollInitialMs?: number;
  /** Cap of the poll delay (default 5 s); the delay doubles after every poll. */
  readonly pollMaxMs?: number;
  readonly logger?: Logger;
  readonly delay?: DelayFn;
  readonly now?: () => number;
}

const RECENT_LIMIT = 1000;

/**
 * Asynchronous HMC jobs (202 + job-uri). Completion is detected by the session's job-completion
 * notification, with polling as the fallback (first poll soon, then doubling up to a cap). After a
 * job ended it is deleted (`DELETE /api/jobs/{id}`, as zhmcclient does).
 */
export class JobManager {
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Completions that arrived before anyone waited (a fast job can finish before wait() is called). */
  private readonly recent = new Set<string>();
  private readonly log: Logger;
  private readonly delay: DelayFn;
  private readonly now: () => number;
  private readonly detach: (() => void) | undefined;

  constructor(
    private readonly session: HmcSession,
    private readonly notifications: NotificationClient | undefined,
    private readonly opts: JobManagerOptions = {},
  ) {
    this.log = (opts.logger ?? silentLogger()).child({ component: 'hmc-jobs' });
    this.delay = opts.delay ?? realDelay;
    this.now = opts.now ?? Date.now;
    if (notifications) {
      const onCompletion = (n: JobCompletionNotification): void => this.onCompletion(n.jobUri);
      notifications.on('job-completion', onCompletion);
      this.detach = () => notifications.off('job-completion', onCompletion);
    }
  }

  /** The job URI of a 202 response; HmcProtocolError if the response is not a job. */
  static jobUriOf(res: HmcResponse): string {
    const uri = (res.body as { 'job-uri'?: unknown } | undefined)?.['job-uri'];
    if (res.status !== 202 || typeof uri !== 'string') {
      throw new HmcProtocolError(`expected 202 with a job-uri, got HTTP ${res.status}`);
    }
    return uri;
  }

  /** `GET /api/jobs/{id}`. */
  get(jobUri: string): Promise<JobStatus> {
    return this.session.get<JobStatus>(jobUri);
  }

  /** `POST /api/jobs/{id}/operations/cancel` (202). The job then ends `canceled` (or completes anyway). */
  async cancel(jobUri: string): Promise<void> {
    await this.session.post(`${jobUri}/operations/cancel`, undefined, { idempotent: true });
  }

  /**
   * Wait until the job ended, delete it, and return its `job-results` (null for most operations).
   * Throws JobFailedError (job-status-code >= 400 or canceled; e.g. start 409.131 "the operating
   * system failed to load"), OperationTimeoutError, or the session's errors while polling.
   */
  async wait(jobUri: string, opts: JobWaitOptions = {}): Promise<unknown> {
    const timeoutMs = opts.timeoutMs ?? 15 * 60_000;
    const deadline = this.now() + timeoutMs;
    const wake = new AbortController();
    const onAbort = (): void => wake.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let notified = this.recent.delete(jobUri);
    const waiter = (): void => {
      notified = true;
      wake.abort();
    };
    this.addWaiter(jobUri, waiter);
    try {
      let pollDelay = this.notifications?.connected
        ? (this.opts.notifiedPollInitialMs ?? 2000)
        : (this.opts.pollInitialMs ?? 250);
      for (;;) {
        if (!notified) {
          const remaining = deadline - this.now();
          if (remaining <= 0) {
            throw new OperationTimeoutError({
              message: `job ${jobUri} did not end within ${timeoutMs} ms`,
              timeoutMs,
              jobUri,
            });
          }
          await this.delay(Math.min(pollDelay, remaining), wake.signal);
          if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
          pollDelay = Math.min(pollDelay * 2, this.opts.pollMaxMs ?? 5000);
        }
        const status = await this.get(jobUri);
        if (status.status === 'complete' || status.status === 'canceled')
          return await this.finish(jobUri, status);
        notified = false; // a notification without an ended job: keep polling
      }
    } finally {
      this.removeWaiter(jobUri, waiter);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Stop listening for notifications. */
  close(): void {
    this.detach?.();
  }

  private async finish(jobUri: string, status: JobStatus): Promise<unknown> {
    try {
      await this.session.delete(jobUri, { idempotent: true, notFoundOk: true });
    } catch (err) {
      this.log.warn({ jobUri, err: (err as Error).message }, 'could not delete the ended job');
    }
    const code = status['job-status-code'] ?? (status.status === 'complete' ? 200 : 0);
    if (status.status === 'complete' && code >= 200 && code < 300) return status['job-results'] ?? null;
    const results = status['job-results'] as { message?: unknown } | null | undefined;
    const message =
      typeof results?.message === 'string'
        ? results.message
        : `job ${jobUri} ended ${status.status} (HTTP ${code})`;
    throw new JobFailedError({
      jobUri,
      jobStatus: status.status,
      jobStatusCode: code,
      jobReasonCode: status['job-reason-code'],
      message,
    });
  }

  private onCompletion(jobUri: string): void {
    const set = this.waiters.get(jobUri);
    if (set && set.size > 0) {
      for (const w of set) w();
      return;
    }
    this.recent.add(jobUri);
    if (this.recent.size > RECENT_LIMIT) {
      const oldest = this.recent.values().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
  }

  private addWaiter(jobUri: string, w: () => void): void {
    let set = this.waiters.get(jobUri);
    if (!set) this.waiters.set(jobUri, (set = new Set()));
    set.add(w);
  }

  private removeWaiter(jobUri: string, w: () => void): void {
    const set = this.waiters.get(jobUri);
    set?.delete(w);
    if (set?.size === 0) this.waiters.delete(jobUri);
  }
}
