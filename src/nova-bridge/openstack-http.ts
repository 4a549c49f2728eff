// A small JSON client for one OpenStack REST service (placement, cinder, neutron) as nova-compute's
// keystoneauth session with `auth_type = admin_token` uses it: a fixed endpoint and token, plus the
// service token nova sends as `[service_user]` (cinder needs it to delete an attachment).

export interface ServiceEndpoint {
  /** Base URL, e.g. `http://placement:8778` or `http://cinder:8776/v3/<project>`. */
  url: string;
  /** X-Auth-Token (read from a Secret by the caller, never logged). */
  token: string;
  /** X-Service-Token, when the deployment wants nova's service token. */
  serviceToken?: string;
  /** Extra headers, e.g. the placement microversion. */
  headers?: Record<string, string>;
}

/** A non-2xx answer of an OpenStack service. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path}: HTTP ${status}: ${body.slice(0, 300)}`);
  }
}

export class OpenStackHttp {
  constructor(
    private readonly ep: ServiceEndpoint,
    private readonly timeoutMs = 30_000,
  ) {}

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: T }> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'X-Auth-Token': this.ep.token,
      ...(this.ep.serviceToken ? { 'X-Service-Token': this.ep.serviceToken } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...this.ep.headers,
    };
    const res = await fetch(this.ep.url.replace(/\/$/, '') + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new HttpError(method, path, res.status, text);
    return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
  }

  /** Like request, but a 404 is `undefined` (a DELETE of something already gone, a lookup). */
  async requestOrAbsent<T = unknown>(method: string, path: string, body?: unknown): Promise<T | undefined> {
    try {
      return (await this.request<T>(method, path, body)).json;
    } catch (e) {
      if (e instanceof HttpError && e.status === 404) return undefined;
      throw e;
    }
  }
}
