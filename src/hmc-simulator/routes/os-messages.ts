// Operating system messages of a partition: List OS Messages, Open OS Message Channel, Send OS
// Command (the paths and query parameters zhmcclient's Partition methods use).
import { badRequest, conflict, forbidden } from '../errors.js';
import { osConsole, type OsMessageFilter } from '../os-messages.js';
import { getPartition } from '../partition-model.js';
import { bodyObject, checkFields, requireFields } from '../validation.js';
import { noContent, ok, type RouteDef } from '../context.js';

const LIST_QUERY = ['begin-sequence-number', 'end-sequence-number', 'is-held', 'is-priority', 'max-messages'];

function intParam(q: URLSearchParams, name: string, min: number): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) {
    throw badRequest(14, `The value of query parameter '${name}' is not a valid integer >= ${min}`);
  }
  return Number(v);
}

function boolParam(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (v !== 'true' && v !== 'false') {
    throw badRequest(14, `The value of query parameter '${name}' must be true or false`);
  }
  return v === 'true';
}

/** The OS of a partition can take commands only while it runs (409.332: interface not available). */
const OS_RUNNING = ['active', 'degraded'];

export const osMessageRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/api/partitions/{id}/operations/list-os-messages',
    query: LIST_QUERY,
    handle: (sim, req) => {
      const p = getPartition(sim, req.params[0] ?? '');
      const f: OsMessageFilter = {};
      const begin = intParam(req.query, 'begin-sequence-number', 0);
      const end = intParam(req.query, 'end-sequence-number', 0);
      const isHeld = boolParam(req.query, 'is-held');
      const isPriority = boolParam(req.query, 'is-priority');
      const max = intParam(req.query, 'max-messages', 0);
      if (begin !== undefined) f.begin = begin;
      if (end !== undefined) f.end = end;
      if (isHeld !== undefined) f.isHeld = isHeld;
      if (isPriority !== undefined) f.isPriority = isPriority;
      if (max !== undefined) f.maxMessages = max;
      return ok({ 'os-messages': osConsole(sim).list(p.uri, f) });
    },
  },
  {
    method: 'POST',
    template: '/api/partitions/{id}/operations/open-os-message-channel',
    handle: (sim, req) => {
      if (!req.session) throw forbidden(4, 'No session');
      const p = getPartition(sim, req.params[0] ?? '');
      const body = req.body === undefined ? {} : bodyObject(req.body);
      checkFields(body, { 'include-refresh-messages': { type: 'bool' } }, 'create');
      const channel = osConsole(sim).openChannel(req.session, p, body['include-refresh-messages'] !== false);
      return ok({ 'topic-name': channel.topic });
    },
  },
  {
    method: 'POST',
    template: '/api/partitions/{id}/operations/send-os-cmd',
    handle: (sim, req) => {
      const p = getPartition(sim, req.params[0] ?? '');
      const body = bodyObject(req.body);
      requireFields(body, ['operating-system-command-text']);
      checkFields(
        body,
        {
          'operating-system-command-text': { type: 'string', maxLen: 1024 },
          'is-priority': { type: 'bool' },
        },
        'create',
      );
      if (!OS_RUNNING.includes(String(p.props['status']))) {
        throw conflict(
          332,
          `The messages interface for partition ${String(p.props['name'])} is not available`,
        );
      }
      osConsole(sim).command(p, String(body['operating-system-command-text']), body['is-priority'] === true);
      return noContent();
    },
  },
];
