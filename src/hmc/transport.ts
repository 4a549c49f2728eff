import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import {
  HmcConnectionError,
  HmcHttpError,
  HmcTimeoutError,
  HmcTlsError,
  type HmcErrorBody,
} from './errors.js';

/**
 * One HTTPS round trip to one HMC: no sessions, no retries. Maps every transport failure to a typed
 * error (HmcConnectionError, HmcTlsError, HmcTimeoutError) and never lets axios' error (which holds
 * the request configuration, i.e. headers and body) escape.
 */

export interface TransportOptions {
  /** PEM CA bundle(s) trusted for the HMC certificate. Default: Node's system roots. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Turn TLS verification off (logged as a warning by the session). */
  readonly insecureSkipTLSVerify?: boolean;
  /** Upper bound of open sockets per HMC. */
  readonly maxSockets: number;
  /** Where the CA bundle is configured, named in TLS verification errors (default: "the HMC CA bundle"). */
  readonly caSetting?: string;
}

export interface RawRequest {
  readonly baseUrl: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly uri: string;
  readonly body?: unknown;
  readonly sessionId?: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface RawResponse {
  readonly status: number;
  /** Parsed JSON, or undefined for an empty body. */
  readonly body: unknown;
  readonly contentType: string;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Failures where the request cannot have reached the HMC application. */
const BEFORE_SEND_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export class HttpTransport {
  private readonly agent: https.Agent;
  private readonly http: AxiosInstance;
  private readonly caSetting: string;

  constructor(opts: TransportOptions) {
    this.caSetting = opts.caSetting ?? 'the HMC CA bundle';
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: opts.maxSockets,
      ca: opts.ca as string | Buffer | Array<string | Buffer> | undefined,
      rejectUnauthorized: opts.insecureSkipTLSVerify !== true,
    });
    this.http = axios.create({
      httpsAgent: this.agent,
      proxy: false,
      maxRedirects: 0,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
    });
  }

  async send(req: RawRequest): Promise<RawResponse> {
    const timer = new AbortController();
    let timedOut = false;
    const timeout = setTimeout(() => {
      timedOut = true;
      timer.abort();
    }, req.timeoutMs);
    const onCallerAbort = (): void => timer.abort();
    req.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: '*/*' };
    if (req.sessionId !== undefined) headers['X-API-Session'] = req.sessionId;
    try {
      const res = await this.http.request<string>({
        baseURL: req.baseUrl,
        url: req.uri,
        method: req.method,
        headers,
        data: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: timer.signal,
      });
      const contentType = String(res.headers['content-type'] ?? '');
      return { status: res.status, body: parseBody(res.data, contentType), contentType };
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason ?? new Error('aborted');
      if (timedOut) {
        throw new HmcTimeoutError({
          timeoutMs: req.timeoutMs,
          requestMethod: req.method,
          requestUri: req.uri,
        });
      }
      throw mapTransportError(err, req, this.caSetting);
    } finally {
      clearTimeout(timeout);
      req.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  destroy(): void {
    this.agent.destroy();
  }
}

function parseBody(data: string | undefined, contentType: string): unknown {
  if (data === undefined || data === '') return undefined;
  if (contentType === '' || contentType.includes('json')) {
    try {
      return JSON.parse(data) as unknown;
    } catch {
      return data;
    }
  }
  return data;
}

function mapTransportError(err: unknown, req: RawRequest, caSetting: string): HmcConnectionError {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  const detail = e.cause?.message ?? e.message ?? 'unknown error';
  const host = new URL(req.baseUrl).host;
  const message = `${req.method} ${req.uri} on ${host}: ${detail}${code ? ` (${code})` : ''}`;
  if (
    code !== undefined &&
    (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))
  ) {
    const hint =
      code.includes('ALTNAME') || code === 'HOSTNAME_MISMATCH'
        ? 'the HMC host name is not in its certificate: use a name the certificate lists'
        : `the HMC certificate is not trusted: put the CA that signed it into ${caSetting}`;
    return new HmcTlsError({ host, message: `${message}; ${hint}`, causeCode: code, beforeSend: true });
  }
  return new HmcConnectionError({
    host,
    message,
    causeCode: code,
    beforeSend: BEFORE_SEND_CODES.has(code ?? ''),
  });
}

/** The typed error for an HTTP error response (status >= 400). */
export function toHttpError(method: string, uri: string, res: RawResponse): HmcHttpError {
  if (res.contentType.includes('text/html')) {
    // zhmcclient's convention: an HTML answer means the Web Services API is not enabled.
    return new HmcHttpError({
      httpStatus: res.status,
      reason: 900,
      message: 'HMC answered with HTML: the Web Services API is not enabled',
      requestMethod: method,
      requestUri: uri,
    });
  }
  const body = (typeof res.body === 'object' && res.body !== null ? res.body : {}) as HmcErrorBody;
  const text = typeof res.body === 'string' ? res.body.slice(0, 200) : undefined;
  return new HmcHttpError({
    httpStatus: typeof body['http-status'] === 'number' ? body['http-status'] : res.status,
    reason: typeof body.reason === 'number' ? body.reason : 0,
    message: body.message ?? text ?? `HTTP ${res.status}`,
    requestMethod: method,
    requestUri: uri,
    errorDetails: body['error-details'],
  });
}
