// Logon, logoff, notification topics and the version query.
import { forbidden } from '../errors.js';
import { osConsole } from '../os-messages.js';
import { bodyObject, requireFields } from '../validation.js';
import { noContent, ok, type RouteDef } from '../context.js';

export const sessionRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/api/version',
    auth: false,
    counted: false,
    handle: (sim) =>
      ok({
        'api-major-version': sim.config.apiMajor,
        'api-minor-version': sim.config.apiMinor,
        'hmc-version': sim.config.hmcVersion,
        'hmc-name': sim.config.hmcName,
        'api-feature-list': [],
      }),
  },
  {
    // Logon. A wrong userid/password is 403.0 (zhmcclient raises ServerAuthError for it).
    method: 'POST',
    template: '/api/sessions',
    auth: false,
    handle: (sim, req) => {
      const body = bodyObject(req.body);
      requireFields(body, ['userid', 'password']);
      if (body['userid'] !== sim.config.userid || body['password'] !== sim.config.password) {
        throw forbidden(0, 'Logon failed: the userid or password is not valid');
      }
      const s = sim.sessions.logon(sim.config.userid);
      return ok({
        'api-session': s.id,
        'session-credential': s.credential,
        'notification-topic': s.objectTopic,
        'job-notification-topic': s.jobTopic,
        'api-major-version': sim.config.apiMajor,
        'api-minor-version': sim.config.apiMinor,
        'password-expires': -1,
      });
    },
  },
  {
    method: 'DELETE',
    template: '/api/sessions/this-session',
    handle: (sim, req) => {
      if (req.session) sim.sessions.logoff(req.session.id);
      return noContent();
    },
  },
  {
    method: 'GET',
    template: '/api/sessions/operations/get-notification-topics',
    query: ['types'],
    handle: (sim, req) => {
      const s = req.session;
      if (!s) throw forbidden(4, 'No session');
      const topics: { 'topic-type': string; 'topic-name': string }[] = [
        { 'topic-type': 'object-notification', 'topic-name': s.objectTopic },
        { 'topic-type': 'job-notification', 'topic-name': s.jobTopic },
        ...osConsole(sim).topicsOf(s.id),
      ];
      const types = req.query.getAll('types');
      return ok({ topics: types.length ? topics.filter((t) => types.includes(t['topic-type'])) : topics });
    },
  },
];
