import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { backoffDelay, realDelay, type DelayFn } from './backoff.js';
import { DEFAULT_RETRY, retryable, type RetryPolicy } from './retry-policy.js';
import {
  HmcClosedError,
  HmcConnectionError,
  HmcError,
  HmcHttpError,
  HmcProtocolError,
  HmcTimeoutError,
  HmcTlsError,
  isSessionExpired,
} from './errors.js';
import { ConcurrencyLimiter } from './limiter.js';
import { silentLogger } from './logger.js';
import { HmcMetrics } from './metrics.js';
import { HttpTransport, toHttpError, type RawResponse } from './transport.js';
import type { SessionLedger } from './session-ledger.js';
import { routeTemplate } from './uri.js';

/** The HMC's default WS API port (zhmcclient hard-codes it). */
export const DEFAULT_HMC_PORT = 6794;

export interface HmcSessionOptions {
  /** `[primary, alternate?]`: `https://host:port`, `host:port` or `host` (port 6794). */
  readonly hosts: readonly string[];
  readonly userid: string;
  readonly password: string;
  /** PEM CA bundle for the HMC certificate. TLS verification is on unless `insecureSkipTLSVerify`. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  readonly insecureSkipTLSVerify?: boolean;
  /** Timeout of every single request attempt (default 60 s). */
  readonly requestTimeoutMs?: number;
  /** Timeout of the `GET /api/version` probe that picks the host (default 10 s). */
  readonly probeTimeoutMs?: number;
  /** Requests in flight to this HMC at most (default 10). */
  readonly maxConcurrency?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly logger?: Logger;
  /** Registry for the request metrics; none = metrics off. */
  readonly metricsRegistry?: Registry;
  /** Label of this HMC in metrics and logs (default: the first host). */
  readonly name?: string;
  /** Records each session id so a successor can log off what a killed process left logged on. */
  readonly ledger?: SessionLedger;
  /**
   * Called when the HMC refuses a logon (401, 403.0: the password changed); may return a fresh password
   * (re-read from where it is kept), with which the logon is repeated once.
   */
  readonly refreshPassword?: () => Promise<string | undefined>;
  /** Where the CA bundle is configured, named in TLS verification errors (e.g. a Secret key). */
  readonly caSetting?: string;
  readonly delay?: DelayFn;
  readonly now?: () => number;
  readonly random?: () => number;
}

export interface RequestOptions {
  /**
   * Whether sending the request twice has the effect of sending it once. Default: true for GET,
   * false otherwise. Non-idempotent requests are retried only when the HMC cannot have acted on
   * them (connection refused before sending, 409.2 busy rejection).
   */
  readonly idempotent?: boolean;
  /** DELETE only: a 404 counts as success (the object is gone, maybe by an earlier attempt). */
  readonly notFoundOk?: boolean;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface HmcResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
}

/** What a logon returned; the notification client needs topics and credentials. */
export interface SessionInfo {
  /** `https://host:port` of the HMC that answered. */
  readonly baseUrl: string;
  readonly hostname: string;
  readonly sessionId: string;
  readonly sessionCredential: string;
  readonly notificationTopic: string;
  readonly jobNotificationTopic: string;
  readonly apiVersion: { readonly major: number; readonly minor: number };
}

export interface HmcVersion {
  'api-major-version': number;
  'api-minor-version': number;
  'hmc-version'?: string;
  'hmc-name'?: string;
}

type Method = 'GET' | 'POST' | 'DELETE';

/**
 * The only HTTP speaker of the HMC client (zhmcclient's Session): logon, transparent re-logon and a
 * single retry on 403.4/403.5, bounded retries with capped exponential backoff and jitter, a
 * per-HMC concurrency limit, a timeout on every attempt, primary/alternate host failover, metrics.
 */
export class HmcSession {
  private readonly hosts: readonly string[];
  private readonly transport: HttpTransport;
  private readonly limiter: ConcurrencyLimiter;
  private readonly retry: RetryPolicy;
  private readonly log: Logger;
  private readonly metrics: HmcMetrics | undefined;
  private readonly label: string;
  private readonly delay: DelayFn;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly requestTimeoutMs: number;
  private readonly probeTimeoutMs: number;
  private info: SessionInfo | undefined;
  private logonInFlight: Promise<SessionInfo> | undefined;
  private baseUrl: string | undefined;
  private closed = false;
  private password: string;
  private readonly listeners = new Set<(info: SessionInfo) => void>();

  constructor(private readonly opts: HmcSessionOptions) {
    if (opts.hosts.length === 0) throw new RangeError('HmcSession needs at least one host');
    this.hosts = opts.hosts.map(normalizeHost);
    this.password = opts.password;
    const maxConcurrency = opts.maxConcurrency ?? 10;
    this.transport = new HttpTransport({
      ca: opts.ca,
      insecureSkipTLSVerify: opts.insecureSkipTLSVerify,
      maxSockets: maxConcurrency,
      caSetting: opts.caSetting,
    });
    this.limiter = new ConcurrencyLimiter(maxConcurrency);
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.label = opts.name ?? new URL(this.hosts[0] ?? '').host;
    this.log = (opts.logger ?? silentLogger()).child({ hmc: this.label });
    this.metrics = opts.metricsRegistry ? new HmcMetrics(opts.metricsRegistry) : undefined;
    this.delay = opts.delay ?? realDelay;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 60_000;
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 10_000;
    if (opts.insecureSkipTLSVerify === true) {
      this.log.warn('TLS verification of the HMC certificate is DISABLED (insecureSkipTLSVerify)');
    }
  }

  /** The current session, if logged on. */
  get sessionInfo(): SessionInfo | undefined {
    return this.info;
  }

  /** The session's logger (child of the configured one), for components sharing the session. */
  get logger(): Logger {
    return this.log;
  }

  /** The `hmc` label of this session's metrics and log lines. */
  get name(): string {
    return this.label;
  }

  /** This session's metrics (undefined without a metrics registry), for components sharing the session. */
  get hmcMetrics(): HmcMetrics | undefined {
    return this.metrics;
  }

  /** The HMC userid (STOMP may log on with userid/password). */
  get userid(): string {
    return this.opts.userid;
  }

  /** TLS settings, shared with the STOMP connection. */
  get tls(): { ca?: HmcSessionOptions['ca']; insecureSkipTLSVerify: boolean } {
    return { ca: this.opts.ca, insecureSkipTLSVerify: this.opts.insecureSkipTLSVerify === true };
  }

  /** A rotated password: used from the next logon on (the current session stays valid). */
  setPassword(password: string): void {
    this.password = password;
  }

  /** Called after every (re-)logon with the new session; returns an unsubscribe function. */
  onSessionChange(listener: (info: SessionInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Log on unless a session exists (picking the first host that answers GET /api/version). */
  async logon(): Promise<SessionInfo> {
    if (this.closed) throw new HmcClosedError('HMC session is closed');
    if (this.info) return this.info;
    return this.singleFlightLogon();
  }

  /** `GET /api/version` (no session) against the selected host. */
  async version(): Promise<HmcVersion> {
    const base = this.baseUrl ?? (await this.selectHost());
    const res = await this.send('GET', base, '/api/version', undefined, undefined, this.probeTimeoutMs);
    if (res.status >= 400) throw toHttpError('GET', '/api/version', res);
    return res.body as HmcVersion;
  }

  async get<T>(uri: string, opts: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('GET', uri, undefined, opts)).body;
  }

  async post<T = unknown>(uri: string, body?: unknown, opts: RequestOptions = {}): Promise<HmcResponse<T>> {
    return this.request<T>('POST', uri, body, opts);
  }

  async delete(uri: string, opts: RequestOptions = {}): Promise<void> {
    await this.request('DELETE', uri, undefined, opts);
  }

  /**
   * Send one logical request. Throws HmcHttpError (status >= 400 after retries), HmcConnectionError,
   * HmcTlsError, HmcTimeoutError, HmcClosedError.
   */
  async request<T>(
    method: Method,
    uri: string,
    body: unknown,
    opts: RequestOptions = {},
  ): Promise<HmcResponse<T>> {
    const idempotent = opts.idempotent ?? method === 'GET';
    const route = routeTemplate(uri);
    let relogged = false;
    let ambiguousFailure = false;
    for (let attempt = 1; ; attempt++) {
      const info = await this.logon();
      let error: HmcError;
      try {
        const res = await this.send(
          method,
          info.baseUrl,
          uri,
          body,
          info.sessionId,
          opts.timeoutMs,
          opts.signal,
        );
        if (res.status < 400) return { status: res.status, body: res.body as T };
        error = toHttpError(method, uri, res);
      } catch (err) {
        if (!(err instanceof HmcError)) throw err;
        error = err;
      }
      if (isSessionExpired(error) && !relogged) {
        // 403.4/403.5: the session expired; log on again and repeat the request once.
        relogged = true;
        attempt--;
        await this.relogon(info.sessionId);
        continue;
      }
      if (
        method === 'DELETE' &&
        opts.notFoundOk === true &&
        error instanceof HmcHttpError &&
        error.httpStatus === 404
      ) {
        this.log.debug({ method, route, attempt, ambiguousFailure }, 'DELETE: object already gone');
        return { status: 204, body: undefined as T };
      }
      if (attempt >= this.retry.maxAttempts || !retryable(error, idempotent) || opts.signal?.aborted) {
        if (error instanceof HmcConnectionError && !(error instanceof HmcTlsError)) this.forgetHost(info);
        throw error;
      }
      ambiguousFailure ||= !(error instanceof HmcHttpError);
      const wait = backoffDelay(attempt, this.retry, this.random);
      this.metrics?.retries.inc({ hmc: this.label, method, route });
      this.log.warn(
        { method, route, attempt, waitMs: wait, err: describe(error) },
        'HMC request failed, retrying',
      );
      await this.delay(wait, opts.signal);
    }
  }

  /** Log off (DELETE /api/sessions/this-session) and release sockets. Never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    const inflight = this.logonInFlight;
    if (inflight) await inflight.catch(() => undefined);
    this.closed = true;
    const info = this.info;
    this.info = undefined;
    if (info) await this.logoff(info.baseUrl, info.sessionId);
    this.transport.destroy();
  }

  /**
   * DELETE /api/sessions/this-session for `sessionId` (ours, or one a killed predecessor left); a 403
   * means it is gone already. Then it is released from the ledger. False when the HMC did not answer
   * (the ledger keeps it for the next try). Never throws.
   */
  private async logoff(baseUrl: string, sessionId: string): Promise<boolean> {
    try {
      const res = await this.send(
        'DELETE',
        baseUrl,
        '/api/sessions/this-session',
        undefined,
        sessionId,
        5000,
      );
      if (res.status >= 400 && res.status !== 403) {
        this.log.warn({ status: res.status }, 'HMC logoff failed');
        return false;
      }
    } catch (err) {
      this.log.warn({ err: describe(err) }, 'HMC logoff failed');
      return false;
    }
    await this.release(sessionId);
    return true;
  }

  /** Logs off every recorded session of this connection except the current one (left by a predecessor). */
  private async logoffLeftovers(): Promise<void> {
    const ledger = this.opts.ledger;
    if (!ledger) return;
    let recorded: readonly { baseUrl: string; sessionId: string }[];
    try {
      recorded = await ledger.recorded();
    } catch (err) {
      this.log.warn({ err: String(err) }, 'cannot read the HMC session ledger; not logging off leftovers');
      return;
    }
    const leftovers = recorded.filter(
      (r) => r.sessionId !== this.info?.sessionId && this.hosts.includes(r.baseUrl),
    );
    if (leftovers.length === 0) return;
    const done = await Promise.all(leftovers.map((r) => this.logoff(r.baseUrl, r.sessionId)));
    this.log.info(
      { loggedOff: done.filter(Boolean).length, left: done.filter((d) => !d).length },
      'logged off HMC sessions a previous operator process left',
    );
  }

  private async release(sessionId: string): Promise<void> {
    await this.opts.ledger?.release(sessionId).catch((err: unknown) => {
      this.log.warn({ err: String(err) }, 'cannot update the HMC session ledger');
    });
  }

  private async relogon(expiredSessionId: string): Promise<void> {
    if (this.info && this.info.sessionId !== expiredSessionId) return; // another request renewed it
    if (this.info?.sessionId === expiredSessionId) this.info = undefined;
    await this.release(expiredSessionId);
    this.metrics?.relogons.inc({ hmc: this.label });
    this.log.info('HMC session expired (403.4/403.5), logging on again');
    await this.singleFlightLogon();
  }

  private singleFlightLogon(): Promise<SessionInfo> {
    this.logonInFlight ??= this.doLogon().finally(() => {
      this.logonInFlight = undefined;
    });
    return this.logonInFlight;
  }

  private async doLogon(): Promise<SessionInfo> {
    const baseUrl = this.baseUrl ?? (await this.selectHost());
    await this.logoffLeftovers();
    let res: RawResponse | undefined;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      let error: HmcError;
      try {
        const credentials = { userid: this.opts.userid, password: this.password };
        res = await this.send('POST', baseUrl, '/api/sessions', credentials, undefined);
        if (res.status < 400) break;
        error = toHttpError('POST', '/api/sessions', res);
      } catch (err) {
        if (!(err instanceof HmcError)) throw err;
        error = err;
      }
      if (isLogonRefused(error) && !refreshed && this.opts.refreshPassword) {
        // The password may have been rotated since this session object was made: re-read it once.
        refreshed = true;
        const fresh = await this.opts.refreshPassword().catch(() => undefined);
        if (fresh !== undefined && fresh !== this.password) {
          this.password = fresh;
          this.log.info('HMC logon refused; retrying with the re-read password');
          attempt--;
          continue;
        }
      }
      // Logon creates a session: repeat it only when the HMC cannot have created one.
      if (attempt >= this.retry.maxAttempts || !retryable(error, false)) {
        if (error instanceof HmcConnectionError && !(error instanceof HmcTlsError)) this.baseUrl = undefined;
        throw error;
      }
      await this.delay(backoffDelay(attempt, this.retry, this.random));
    }
    const b = (res.body ?? {}) as Record<string, unknown>;
    const need = ['api-session', 'session-credential', 'notification-topic', 'job-notification-topic'];
    const missing = need.filter((k) => typeof b[k] !== 'string');
    if (missing.length > 0) throw new HmcProtocolError(`logon response lacks ${missing.join(', ')}`);
    const info: SessionInfo = {
      baseUrl,
      hostname: new URL(baseUrl).hostname,
      sessionId: b['api-session'] as string,
      sessionCredential: b['session-credential'] as string,
      notificationTopic: b['notification-topic'] as string,
      jobNotificationTopic: b['job-notification-topic'] as string,
      apiVersion: { major: Number(b['api-major-version'] ?? 0), minor: Number(b['api-minor-version'] ?? 0) },
    };
    // Written down before first use: a process killed from here on leaves a session its successor logs off.
    await this.opts.ledger?.record({ baseUrl, sessionId: info.sessionId }).catch((err: unknown) => {
      this.log.warn({ err: String(err) }, 'cannot record the HMC session in the ledger');
    });
    if (this.closed) {
      await this.logoff(baseUrl, info.sessionId);
      throw new HmcClosedError('HMC session closed during logon');
    }
    this.info = info;
    this.log.info({ userid: this.opts.userid, host: new URL(baseUrl).host }, 'logged on to the HMC');
    for (const listener of this.listeners) listener(info);
    return info;
  }

  /** The first host (in configured order) that answers `GET /api/version`. */
  private async selectHost(): Promise<string> {
    const failures: HmcError[] = [];
    for (const base of this.hosts) {
      try {
        const res = await this.send('GET', base, '/api/version', undefined, undefined, this.probeTimeoutMs);
        if (res.status < 400) {
          if (base !== this.hosts[0]) this.log.warn({ host: new URL(base).host }, 'using the alternate HMC');
          this.baseUrl = base;
          return base;
        }
        failures.push(toHttpError('GET', '/api/version', res));
      } catch (err) {
        if (!(err instanceof HmcError)) throw err;
        failures.push(err);
      }
    }
    const tls = failures.find((f) => f instanceof HmcTlsError);
    if (tls && failures.every((f) => f instanceof HmcTlsError)) throw tls;
    throw new HmcConnectionError({
      host: this.hosts.map((h) => new URL(h).host).join(','),
      message: `no HMC answered GET /api/version: ${failures.map((f) => f.message).join('; ')}`,
      beforeSend: true,
    });
  }

  /** After connection failures the next logon probes the hosts again (failover to the alternate). */
  private forgetHost(info: SessionInfo): void {
    if (this.hosts.length < 2 || this.baseUrl !== info.baseUrl) return;
    this.log.warn({ host: new URL(info.baseUrl).host }, 'HMC unreachable; will probe the hosts again');
    this.baseUrl = undefined;
    if (this.info === info) this.info = undefined;
  }

  private async send(
    method: Method,
    baseUrl: string,
    uri: string,
    body: unknown,
    sessionId: string | undefined,
    timeoutMs?: number,
    signal?: AbortSignal,
  ): Promise<RawResponse> {
    if (this.closed && !(method === 'DELETE' && uri === '/api/sessions/this-session')) {
      throw new HmcClosedError('HMC session is closed');
    }
    const route = routeTemplate(uri);
    return this.limiter.run(async () => {
      const start = this.now();
      try {
        const res = await this.transport.send({
          baseUrl,
          method,
          uri,
          body,
          sessionId,
          timeoutMs: timeoutMs ?? this.requestTimeoutMs,
          signal,
        });
        this.metrics?.requests.inc({ hmc: this.label, method, route, status: String(res.status) });
        this.log.debug({ method, route, status: res.status, ms: this.now() - start }, 'HMC request');
        return res;
      } catch (err) {
        const kind =
          err instanceof HmcTimeoutError ? 'timeout' : err instanceof HmcTlsError ? 'tls' : 'connection';
        this.metrics?.errors.inc({ hmc: this.label, method, route, kind });
        throw err;
      } finally {
        this.metrics?.duration.observe({ hmc: this.label, method, route }, (this.now() - start) / 1000);
      }
    });
  }
}

/** 401, or 403.0 on logon: the userid/password pair was refused. */
function isLogonRefused(err: HmcError): boolean {
  return (
    err instanceof HmcHttpError && (err.httpStatus === 401 || (err.httpStatus === 403 && err.reason === 0))
  );
}

function describe(err: unknown): { name: string; code?: string; message: string } {
  if (err instanceof HmcError) return { name: err.name, code: err.code, message: err.message };
  return { name: 'Error', message: String(err) };
}

function normalizeHost(host: string): string {
  const withScheme = /^https?:\/\//.test(host) ? host : `https://${host}`;
  const url = new URL(withScheme);
  if (url.protocol !== 'https:') throw new RangeError(`HMC host must use https: ${host}`);
  const explicitPort = /^https:\/\/[^/]*:\d+(\/|$)/.test(withScheme);
  if (url.port === '' && !explicitPort) url.port = String(DEFAULT_HMC_PORT);
  return url.origin;
}
