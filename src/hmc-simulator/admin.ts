// The `/_sim/` admin API (no HMC session): stats, faults, session expiry, state save/load.
import { badRequest } from './errors.js';
import { parseFaultRules } from './faults.js';
import { fulfillVolume } from './storage-model.js';
import type { SimContext, SimReply } from './context.js';
import type { StatsCollector } from './stats.js';
import type { AdminHandler } from './http-server.js';

export interface AdminDeps {
  sim: SimContext;
  stats: StatsCollector;
  save: (path?: string) => Promise<string>;
  load: (path?: string) => Promise<string>;
}

const asObject = (body: unknown): Record<string, unknown> =>
  typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};

const optionalPath = (body: unknown): string | undefined => {
  const p = asObject(body)['path'];
  if (p !== undefined && typeof p !== 'string') throw badRequest(7, "'path' must be a string");
  return p;
};

export function createAdminHandler(deps: AdminDeps): AdminHandler {
  const { sim, stats } = deps;
  const table: Record<string, (body: unknown) => SimReply | Promise<SimReply>> = {
    'GET /_sim/stats': () => ({ status: 200, body: stats.snapshot() }),
    'POST /_sim/stats/reset': () => {
      stats.reset();
      return { status: 204 };
    },
    'GET /_sim/faults': () => ({ status: 200, body: { rules: sim.faults.list() } }),
    'PUT /_sim/faults': (body) => {
      sim.faults.set(parseFaultRules(asObject(body)['rules']));
      return { status: 204 };
    },
    'DELETE /_sim/faults': () => {
      sim.faults.clear();
      return { status: 204 };
    },
    'POST /_sim/sessions/expire': (body) => {
      const id = asObject(body)['sessionId'];
      const expired = sim.sessions.expire(typeof id === 'string' ? id : undefined);
      return { status: 200, body: { expired } };
    },
    'POST /_sim/storage/fulfill': (body) => {
      const uri = asObject(body)['uri'];
      if (uri !== undefined && typeof uri !== 'string') throw badRequest(7, "'uri' must be a string");
      const target = uri === undefined ? undefined : sim.store.get(uri);
      if (uri !== undefined && target?.cls !== 'storage-volume' && target?.cls !== 'storage-group') {
        throw badRequest(7, `'${uri}' is neither a storage group nor a storage volume`);
      }
      const groups = target
        ? [target.cls === 'storage-group' ? target : undefined]
        : sim.store.roots('storage-group');
      const volumes =
        target?.cls === 'storage-volume'
          ? [target]
          : groups.flatMap((g) => (g ? sim.store.list(g.uri, 'storage-volume') : []));
      const pending = volumes.filter((v) => v.props['fulfillment-state'] !== 'complete');
      for (const v of pending) fulfillVolume(sim, v);
      return { status: 200, body: { fulfilled: pending.length } };
    },
    'POST /_sim/state/save': async (body) => ({
      status: 200,
      body: { path: await deps.save(optionalPath(body)) },
    }),
    'POST /_sim/state/load': async (body) => ({
      status: 200,
      body: { path: await deps.load(optionalPath(body)) },
    }),
  };
  return async (method, path, body) => {
    const h = table[`${method} ${path}`];
    return h ? h(body) : undefined;
  };
}
