// POST /api/services/aggregation/submit: several GETs in one request (HMC 2.16).
import { badRequest } from '../errors.js';
import { bodyObject, requireFields } from '../validation.js';
import { ok, type RouteDef, type SimReply } from '../context.js';
import type { Session } from '../sessions.js';

/** Runs one inner request as the same session and returns its reply. */
export type InnerDispatch = (method: string, uri: string, session: Session | undefined) => Promise<SimReply>;

export function aggregationRoutes(dispatch: InnerDispatch): RouteDef[] {
  return [
    {
      method: 'POST',
      template: '/api/services/aggregation/submit',
      handle: async (_sim, req) => {
        const body = bodyObject(req.body);
        requireFields(body, ['requests']);
        const requests = body['requests'];
        if (!Array.isArray(requests)) throw badRequest(7, "'requests' must be an array");
        const out = [];
        for (const r of requests as Record<string, unknown>[]) {
          if (r['method'] !== 'GET' || typeof r['uri'] !== 'string') {
            throw badRequest(7, 'Only GET requests with a uri can be aggregated');
          }
          const reply = await dispatch('GET', r['uri'], req.session);
          out.push({
            id: r['id'],
            status: reply.status,
            headers: reply.headers ?? {},
            body: reply.body ?? null,
          });
        }
        return ok(out);
      },
    },
  ];
}
