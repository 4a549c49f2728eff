// The HTTPS front end: body parsing, routing, sessions, faults, stats and error bodies.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HmcApiError, errorBody, notFound, badRequest } from './errors.js';
import { checkQuery } from './query.js';
import type { SimContext, SimReply, RouteDef } from './context.js';
import type { Router } from './router.js';
import type { StatsCollector } from './stats.js';
import type { Session } from './sessions.js';
import { listenOn } from './listen.js';

const MAX_BODY = 16 * 1024 * 1024;

/** Handles `/_sim/...`; returns undefined for unknown admin paths. */
export type AdminHandler = (method: string, path: string, body: unknown) => Promise<SimReply | undefined>;

export interface HttpFrontEnd {
  /** Runs one request through routing and handlers without HTTP (used by aggregation). */
  dispatch(method: string, uri: string, session: Session | undefined): Promise<SimReply>;
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

export interface HttpDeps {
  sim: SimContext;
  router: Router;
  stats: StatsCollector;
  admin: AdminHandler;
  tls: { key: string; cert: string };
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(badRequest(7, 'The request body is too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  if (contentType?.startsWith('application/octet-stream')) return raw;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw badRequest(9, 'The request body is not valid JSON');
  }
}

function send(res: ServerResponse, reply: SimReply): void {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  if (reply.body === undefined || reply.status === 204) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  headers['Content-Type'] = 'application/json;charset=UTF-8';
  headers['Content-Length'] = String(Buffer.byteLength(text));
  res.writeHead(reply.status, headers);
  res.end(text);
}

export function createHttpFrontEnd(deps: HttpDeps): HttpFrontEnd {
  const { sim, router, stats } = deps;

  /** Routing + auth + handler; errors become error replies. */
  async function handle(
    method: string,
    url: URL,
    body: unknown,
    sessionHeader: string | undefined,
    preset: Session | undefined,
    def: RouteDef,
    params: string[],
    routeKey: string,
  ): Promise<SimReply> {
    const session = def.auth === false ? undefined : (preset ?? sim.sessions.authenticate(sessionHeader));
    if (def.query) checkQuery(url.searchParams, def.query);
    return def.handle(sim, {
      method,
      path: url.pathname,
      query: url.searchParams,
      body,
      session,
      route: routeKey,
      params,
    });
  }

  function errorReply(e: unknown, method: string, uri: string): SimReply {
    if (e instanceof HmcApiError) return { status: e.httpStatus, body: errorBody(e, method, uri) };
    sim.log.error({ err: e, method, uri }, 'simulator handler failed');
    const err = new HmcApiError(500, 0, e instanceof Error ? e.message : String(e));
    return { status: 500, body: errorBody(err, method, uri) };
  }

  async function dispatch(method: string, uri: string, session: Session | undefined): Promise<SimReply> {
    const url = new URL(uri, 'https://hmc');
    const m = router.match(method, url.pathname);
    try {
      if (m.kind !== 'found') throw notFound(url.pathname);
      return await handle(
        method,
        url,
        undefined,
        undefined,
        session,
        m.def,
        m.params,
        `${method} ${m.def.template}`,
      );
    } catch (e) {
      return errorReply(e, method, url.pathname);
    }
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'https://hmc');
    const uri = url.pathname;
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (e) {
      send(res, errorReply(e, method, uri));
      return;
    }
    if (uri.startsWith('/_sim/')) {
      let reply: SimReply | undefined;
      try {
        reply = await deps.admin(method, uri, parseJson(raw, req.headers['content-type']));
      } catch (e) {
        reply = errorReply(e, method, uri);
      }
      send(res, reply ?? { status: 404, body: { message: `unknown admin path ${method} ${uri}` } });
      return;
    }
    const m = router.match(method, uri);
    const counted = m.kind === 'found' ? m.def.counted !== false : true;
    const routeKey = m.kind === 'found' ? `${method} ${m.def.template}` : `${method} <unknown>`;
    let reply: SimReply;
    try {
      if (m.kind === 'none') throw notFound(uri);
      if (m.kind === 'wrong-method')
        throw new HmcApiError(405, 0, `The method ${method} is not valid for ${uri}`);
      if (counted) {
        for (const f of sim.faults.forRequest(routeKey)) {
          if (f.kind === 'latency') await delay(f.ms);
          else if (f.kind === 'reset') {
            stats.record(routeKey, 599);
            req.socket.destroy();
            return;
          } else if (f.kind === 'error') {
            throw new HmcApiError(
              f.httpStatus,
              f.reason,
              f.message ?? `Injected fault ${f.httpStatus}.${f.reason}`,
            );
          }
        }
      }
      const body = parseJson(raw, req.headers['content-type']);
      const header = req.headers['x-api-session'];
      reply = await handle(
        method,
        url,
        body,
        typeof header === 'string' ? header : undefined,
        undefined,
        m.def,
        m.params,
        routeKey,
      );
    } catch (e) {
      reply = errorReply(e, method, uri);
    }
    if (counted) stats.record(routeKey, reply.status);
    send(res, reply);
  }

  const server = https.createServer(
    { key: deps.tls.key, cert: deps.tls.cert, keepAlive: true },
    (req, res) => {
      onRequest(req, res).catch((e: unknown) => {
        sim.log.error({ err: e }, 'request failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
    },
  );
  server.keepAliveTimeout = 30_000;
  server.maxHeadersCount = 200;

  return {
    dispatch,
    listen: (port, host) => listenOn(server, port, host),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
