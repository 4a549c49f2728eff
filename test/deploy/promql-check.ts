// A promtool-like check of PromQL expressions against the metrics the operator really exports: the
// expression parses (Prometheus' own lezer grammar), every metric it selects exists (as built by the
// operator's code: the registry is filled by the same functions the operator calls), every label it
// matches or groups by exists on those metrics (or is a scrape target label), rate()/increase() get a
// counter range, and histogram_quantile() a histogram's _bucket series.
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import { Registry } from 'prom-client';
import { HmcMetrics } from '../../src/hmc/metrics.js';
import { registerResourceMetrics } from '../../src/controllers/resource-metrics.js';
import { createMetrics } from '../../src/runtime/metrics.js';

/** Labels Prometheus adds to every scraped series (Kubernetes service discovery via a ServiceMonitor). */
export const TARGET_LABELS = ['job', 'instance', 'namespace', 'pod', 'service', 'endpoint', 'container'];

export interface ExportedSeries {
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly labels: readonly string[];
}

/** Every series name the operator's /metrics can expose, with its type and label names. */
export function operatorSeries(): Map<string, ExportedSeries> {
  const metrics = createMetrics();
  const registry: Registry = metrics.registry;
  new HmcMetrics(registry);
  registerResourceMetrics(registry, { partitions: () => [], subsets: () => [] });
  const out = new Map<string, ExportedSeries>();
  for (const m of registry.getMetricsAsArray()) {
    const type = String(m.type) as ExportedSeries['type'];
    const labels = (m as unknown as { labelNames?: string[] }).labelNames ?? [];
    if (type === 'histogram') {
      out.set(`${m.name}_bucket`, { type: 'counter', labels: [...labels, 'le'] });
      out.set(`${m.name}_sum`, { type: 'counter', labels });
      out.set(`${m.name}_count`, { type: 'counter', labels });
    } else {
      out.set(m.name, { type, labels });
    }
  }
  return out;
}

/** Grafana's built-in variables replaced by values that make the expression plain PromQL. */
export function expandGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, '5m')
    .replace(/\$\{?(\w+)\}?/g, (_m, v: string) => `var_${v}`);
}

/** Problems of one expression (empty when it is fine). */
export function checkPromQL(expr: string, series: ReadonlyMap<string, ExportedSeries>): string[] {
  const problems: string[] = [];
  const tree = parser.parse(expr);
  const metrics: string[] = [];
  const labelNames: string[] = [];
  tree.iterate({
    enter: (n) => {
      const text = expr.slice(n.from, n.to);
      if (n.type.isError) problems.push(`syntax error at ${n.from}: "${expr.slice(n.from, n.from + 20)}"`);
      else if (n.name === 'Identifier' && n.node.parent?.name === 'VectorSelector') metrics.push(text);
      else if (n.name === 'LabelName') labelNames.push(text);
      else if (n.name === 'FunctionCall') {
        const fn = n.node.getChild('FunctionIdentifier');
        const body = n.node.getChild('FunctionCallBody');
        const name = fn ? expr.slice(fn.from, fn.to) : '';
        const args = body ? childExprs(body) : [];
        if (name === 'rate' || name === 'increase' || name === 'irate') {
          const arg = args[0];
          const sel = arg?.name === 'MatrixSelector' ? arg.getChild('VectorSelector') : null;
          const metric = sel?.getChild('Identifier');
          if (!metric) problems.push(`${name}() needs a range selector of a metric`);
          else {
            const m = expr.slice(metric.from, metric.to);
            const s = series.get(m);
            if (s && s.type !== 'counter') problems.push(`${name}() over ${m}, a ${s.type}, not a counter`);
          }
        }
        if (name === 'histogram_quantile') {
          const inner: string[] = [];
          walk(args[1], (c) => {
            if (c.name === 'Identifier' && c.parent?.name === 'VectorSelector')
              inner.push(expr.slice(c.from, c.to));
          });
          if (inner.length === 0 || !inner.every((m) => m.endsWith('_bucket')))
            problems.push(`histogram_quantile() needs _bucket series, got ${inner.join(', ') || 'none'}`);
        }
      }
    },
  });
  if (!tree.topNode.firstChild) problems.push('empty expression');
  const known = new Set<string>(TARGET_LABELS);
  for (const m of metrics) {
    const s = series.get(m);
    if (!s) problems.push(`metric ${m} is not exported by the operator`);
    else for (const l of s.labels) known.add(l);
  }
  for (const l of labelNames)
    if (!known.has(l)) problems.push(`label ${l} is on none of ${metrics.join(', ')}`);
  if (metrics.length === 0) problems.push('selects no metric');
  return problems;
}

function walk(node: SyntaxNode | undefined, visit: (n: SyntaxNode) => void): void {
  if (!node) return;
  visit(node);
  for (let c = node.firstChild; c; c = c.nextSibling) walk(c, visit);
}

/** The argument expressions of a FunctionCallBody (its children other than punctuation). */
function childExprs(body: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = body.firstChild; c; c = c.nextSibling)
    if (c.name !== '(' && c.name !== ')' && c.name !== ',') out.push(c);
  return out;
}
