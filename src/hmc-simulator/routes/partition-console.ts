// Get ASCII Console WebSocket URI: the HMC hands out a one-time /api/websock/... URI for an
// active partition's ASCII console. The simulator issues such URIs but serves no WebSocket
// behind them (connecting answers 404; see docs/hmc-simulator.md).
import { randomBytes } from 'node:crypto';
import { getPartition, requireStatus } from '../partition-model.js';
import { bodyObject } from '../validation.js';
import { ok, type RouteDef } from '../context.js';

export const partitionConsoleRoutes: RouteDef[] = [
  {
    method: 'POST',
    template: '/api/partitions/{id}/operations/get-ascii-console-websocket-uri',
    handle: (sim, req) => {
      const p = getPartition(sim, req.params[0] ?? '');
      if (req.body !== undefined) bodyObject(req.body);
      requireStatus(p, ['active', 'degraded'], 'get ASCII console WebSocket URI');
      return ok({ 'websocket-uri': `/api/websock/${randomBytes(16).toString('hex')}/ascii-console` });
    },
  },
];
