// Fault injection: rules set through /_sim/faults (or at start) and consulted per request.
import type { FaultRule, RouteKey } from './types.js';
import { badRequest } from './errors.js';

interface ActiveRule {
  rule: FaultRule;
  applied: number;
}

const KINDS = new Set(['error', 'latency', 'reset', 'job-failure', 'drop-notifications']);

/** Validates rules from JSON (400.7 on a malformed rule). */
export function parseFaultRules(value: unknown): FaultRule[] {
  if (!Array.isArray(value)) throw badRequest(7, "'rules' must be an array");
  return value.map((r: unknown, i) => {
    if (typeof r !== 'object' || r === null) throw badRequest(7, `rule ${i} is not an object`);
    const o = r as Record<string, unknown>;
    if (typeof o['kind'] !== 'string' || !KINDS.has(o['kind']))
      throw badRequest(7, `rule ${i}: unknown kind`);
    if (o['route'] !== undefined && typeof o['route'] !== 'string')
      throw badRequest(7, `rule ${i}: bad route`);
    if (o['rate'] !== undefined && (typeof o['rate'] !== 'number' || o['rate'] < 0 || o['rate'] > 1)) {
      throw badRequest(7, `rule ${i}: rate must be 0..1`);
    }
    if (o['count'] !== undefined && (typeof o['count'] !== 'number' || o['count'] < 0)) {
      throw badRequest(7, `rule ${i}: bad count`);
    }
    const needNum = (k: string): void => {
      if (typeof o[k] !== 'number') throw badRequest(7, `rule ${i}: '${k}' must be a number`);
    };
    if (o['kind'] === 'error' || o['kind'] === 'job-failure') {
      needNum('httpStatus');
      needNum('reason');
    }
    if (o['kind'] === 'job-failure' && o['operation'] !== 'start' && o['operation'] !== 'stop') {
      throw badRequest(7, `rule ${i}: operation must be start or stop`);
    }
    if (o['kind'] === 'latency') needNum('ms');
    return o as unknown as FaultRule;
  });
}

export class FaultEngine {
  private rules: ActiveRule[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  set(rules: readonly FaultRule[]): void {
    this.rules = rules.map((rule) => ({ rule, applied: 0 }));
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => r.rule);
  }

  /** Request-level rules (error, latency, reset) that fire for this route, in rule order. */
  forRequest(route: RouteKey): FaultRule[] {
    const out: FaultRule[] = [];
    for (const a of this.rules) {
      const k = a.rule.kind;
      if ((k === 'error' || k === 'latency' || k === 'reset') && this.fires(a, route)) out.push(a.rule);
    }
    return out;
  }

  /** The job-failure rule for a partition operation, if one fires. */
  jobFailure(operation: 'start' | 'stop', route: RouteKey): FaultRule | undefined {
    for (const a of this.rules) {
      if (a.rule.kind === 'job-failure' && a.rule.operation === operation && this.fires(a, route))
        return a.rule;
    }
    return undefined;
  }

  /** Whether one notification should be dropped. */
  dropNotification(): boolean {
    for (const a of this.rules) {
      if (a.rule.kind === 'drop-notifications' && this.fires(a, undefined)) return true;
    }
    return false;
  }

  private fires(a: ActiveRule, route: RouteKey | undefined): boolean {
    const { rule } = a;
    if (rule.route !== undefined && route !== undefined && rule.route !== route) return false;
    if (rule.count !== undefined && a.applied >= rule.count) return false;
    if (this.random() >= (rule.rate ?? 1)) return false;
    a.applied++;
    return true;
  }
}
