// Query Job Status, Delete Completed Job Status, Cancel Job.
import { jobView } from '../jobs.js';
import { noContent, ok, type RouteDef } from '../context.js';

export const jobRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/api/jobs/{id}',
    handle: (sim, req) => ok(jobView(sim.jobs.get(req.params[0] ?? ''))),
  },
  {
    method: 'DELETE',
    template: '/api/jobs/{id}',
    handle: (sim, req) => {
      sim.jobs.delete(req.params[0] ?? '');
      return noContent();
    },
  },
  {
    method: 'POST',
    template: '/api/jobs/{id}/operations/cancel',
    handle: (sim, req) => {
      sim.jobs.cancel(req.params[0] ?? '');
      return { status: 202 };
    },
  },
];
