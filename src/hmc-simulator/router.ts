// Route table: templates with `{param}` segments compiled to regexes, matched per method.
import type { RouteDef } from './context.js';

interface Compiled {
  def: RouteDef;
  regex: RegExp;
}

export type RouteMatch =
  | { kind: 'found'; def: RouteDef; params: string[] }
  | { kind: 'wrong-method'; template: string }
  | { kind: 'none' };

export class Router {
  private readonly routes: Compiled[] = [];

  constructor(defs: readonly RouteDef[]) {
    for (const def of defs) {
      const src = def.template
        .split('/')
        .map((seg) => (/^\{[^}]+\}$/.test(seg) ? '([^/]+)' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/');
      this.routes.push({ def, regex: new RegExp(`^${src}$`) });
    }
  }

  match(method: string, path: string): RouteMatch {
    let wrong: string | undefined;
    for (const r of this.routes) {
      const m = r.regex.exec(path);
      if (!m) continue;
      if (r.def.method !== method) {
        wrong ??= r.def.template;
        continue;
      }
      return { kind: 'found', def: r.def, params: m.slice(1).map((p) => decodeURIComponent(p)) };
    }
    return wrong === undefined ? { kind: 'none' } : { kind: 'wrong-method', template: wrong };
  }
}
