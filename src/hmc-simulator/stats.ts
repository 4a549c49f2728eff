// Per-route request counters served at /_sim/stats.
import type { RouteKey, SimStats } from './types.js';

export class StatsCollector {
  private total = 0;
  private routes = new Map<RouteKey, { count: number; errors: number }>();

  record(route: RouteKey, httpStatus: number): void {
    this.total++;
    let r = this.routes.get(route);
    if (!r) this.routes.set(route, (r = { count: 0, errors: 0 }));
    r.count++;
    if (httpStatus >= 400) r.errors++;
  }

  reset(): void {
    this.total = 0;
    this.routes.clear();
  }

  snapshot(): SimStats {
    return { total: this.total, routes: Object.fromEntries([...this.routes].map(([k, v]) => [k, { ...v }])) };
  }
}
