// The chart's Grafana dashboard and PrometheusRule: off by default; when on, the dashboard JSON and
// every alert expression are checked like promtool would (parse, metric and label names against what
// the operator really exports, counter/histogram use), and every alert has a runbook.
import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import { HmcMetrics } from '../../src/hmc/metrics.js';
import type { NotificationClient } from '../../src/hmc/notifications.js';
import { registerResourceMetrics } from '../../src/controllers/resource-metrics.js';
import type { CpcSubset, Partition } from '../../src/crds/index.js';
import { type KubeObject, findOne, renderChart } from './helpers.js';
import { checkPromQL, expandGrafanaVariables, operatorSeries } from './promql-check.js';

const NS = 'dpm-system';
const series = operatorSeries();
const on = {
  metrics: {
    grafanaDashboard: { enabled: true, annotations: { grafana_folder: 'IBM Z' } },
    prometheusRule: {
      enabled: true,
      runbookBaseUrl: 'https://docs.example/install',
      partitionNotReadyMinutes: 20,
    },
  },
};

interface Panel {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string; refId: string }[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown }[] };
}
interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

describe('promql check (the checker itself)', () => {
  it('accepts a correct expression and names each fault of wrong ones', () => {
    expect(checkPromQL('sum by (controller) (rate(dpm_reconcile_total[5m]))', series)).toEqual([]);
    expect(checkPromQL('rate(dpm_reconcile_total[5m]) >', series).join()).toMatch(/syntax error/);
    expect(checkPromQL('dpm_no_such_metric > 0', series)).toEqual([
      'metric dpm_no_such_metric is not exported by the operator',
    ]);
    expect(checkPromQL('sum by (phase) (dpm_reconcile_total)', series).join()).toMatch(/label phase/);
    expect(checkPromQL('rate(dpm_workqueue_depth[5m])', series).join()).toMatch(/a gauge, not a counter/);
    expect(checkPromQL('histogram_quantile(0.9, rate(hmc_requests_total[5m]))', series).join()).toMatch(
      /_bucket/,
    );
  });

  it('knows the metrics the dashboard and alerts rely on, with their labels', () => {
    expect(series.get('dpm_partitions')?.labels).toEqual(['object_namespace', 'phase']);
    expect(series.get('hmc_job_duration_seconds_bucket')?.labels).toEqual([
      'hmc',
      'operation',
      'result',
      'le',
    ]);
    expect(series.get('hmc_notifications_connected')?.type).toBe('gauge');
    expect(series.get('hmc_relogons_total')?.type).toBe('counter');
  });
});

describe('resource metrics (computed from the informer caches at scrape time)', () => {
  it('counts partitions by phase (0 for the others), readiness and CpcSubset limits against usage', async () => {
    const registry = new Registry();
    const ready = [{ type: 'Ready', status: 'True', reason: 'Running' }];
    const partitions = [
      {
        metadata: { namespace: 'a', name: 'p1' },
        spec: { cpcSubsetRef: { name: 's' } },
        status: { phase: 'Running', conditions: ready },
      },
      {
        metadata: { namespace: 'a', name: 'p2' },
        spec: { cpcSubsetRef: { name: 's' } },
        status: { phase: 'Failed' },
      },
      { metadata: { namespace: 'a', name: 'p3' }, spec: { cpcSubsetRef: { name: 's' } } },
    ] as unknown as Partition[];
    const subsets = [
      {
        metadata: { namespace: 'a', name: 's' },
        spec: { limits: { maxPartitions: 10, maxProcessors: 8, maxMemoryMiB: 4096 } },
        status: {
          usage: { partitions: 9 },
          conditions: [{ type: 'Ready', status: 'False', reason: 'HmcUnreachable' }],
        },
      },
    ] as unknown as CpcSubset[];
    registerResourceMetrics(registry, { partitions: () => partitions, subsets: () => subsets });
    const text = await registry.metrics();
    expect(text).toContain('dpm_partitions{object_namespace="a",phase="Running"} 1');
    expect(text).toContain('dpm_partitions{object_namespace="a",phase="Failed"} 1');
    expect(text).toContain('dpm_partitions{object_namespace="a",phase="Pending"} 1');
    expect(text).toContain('dpm_partitions{object_namespace="a",phase="Stopped"} 0');
    expect(text).toContain(
      'dpm_partition_ready{object_namespace="a",partition="p1",cpcsubset="s",phase="Running"} 1',
    );
    expect(text).toContain(
      'dpm_partition_ready{object_namespace="a",partition="p2",cpcsubset="s",phase="Failed"} 0',
    );
    expect(text).toContain(
      'dpm_cpcsubset_ready{object_namespace="a",cpcsubset="s",reason="HmcUnreachable"} 0',
    );
    expect(text).toContain(
      'dpm_cpcsubset_limit{object_namespace="a",cpcsubset="s",resource="memory_mib"} 4096',
    );
    expect(text).toContain('dpm_cpcsubset_usage{object_namespace="a",cpcsubset="s",resource="partitions"} 9');
    expect(text).not.toContain('resource="processors"} 0'); // no usage reported: no series, not a 0
    // A deleted partition disappears at the next scrape.
    partitions.pop();
    expect(await registry.metrics()).not.toContain('partition="p3"');
  });
});

describe('HMC notification metrics', () => {
  it('follow the STOMP connection, resyncs and lost notifications', async () => {
    const registry = new Registry();
    const m = new HmcMetrics(registry);
    const stream = Object.assign(new EventEmitter(), { connected: false }) as unknown as NotificationClient;
    m.watchNotifications('hmc1:6794', stream);
    const value = async (name: string, labels = ''): Promise<string | undefined> =>
      (await registry.metrics())
        .split('\n')
        .find((l) => l.startsWith(name) && l.includes(labels))
        ?.split(' ')[1];
    expect(await value('hmc_notifications_connected')).toBe('0');
    stream.emit('connected');
    expect(await value('hmc_notifications_connected')).toBe('1');
    stream.emit('resync', { reason: 'gap', topic: 't', missed: 3 });
    stream.emit('resync', { reason: 'reconnect' });
    stream.emit('disconnected', undefined);
    expect(await value('hmc_notifications_connected')).toBe('0');
    expect(await value('hmc_notifications_missed_total{')).toBe('3');
    expect(await value('hmc_notification_resyncs_total{', 'reason="gap"')).toBe('1');
    expect(await value('hmc_notification_resyncs_total{', 'reason="reconnect"')).toBe('1');
  });
});

describe('chart observability', () => {
  let objects: KubeObject[];
  beforeAll(async () => {
    objects = await renderChart(on, 'obs', NS);
  });

  it('renders neither the dashboard nor the rules by default', async () => {
    const defaults = await renderChart({}, 'obs', NS);
    expect(defaults.filter((o) => o.kind === 'PrometheusRule')).toHaveLength(0);
    expect(defaults.filter((o) => o.metadata.labels?.grafana_dashboard !== undefined)).toHaveLength(0);
  });

  it('ships a Grafana dashboard ConfigMap for the sidecar whose every query is valid PromQL', () => {
    const cm = findOne(objects, 'ConfigMap', 'obs-dpm-operator-dashboard');
    expect(cm.metadata.namespace).toBe(NS);
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    expect(cm.metadata.annotations?.grafana_folder).toBe('IBM Z');
    const data = (cm as unknown as { data: Record<string, string> }).data;
    const dash = JSON.parse(data['dpm-operator.json']!) as Dashboard;
    expect(dash.uid).toBe('dpm-operator');
    const panels = dash.panels.filter((p) => p.type !== 'row');
    const problems: string[] = [];
    const exprs: string[] = [];
    for (const p of panels) {
      if (!p.targets?.length) problems.push(`panel "${p.title}" has no query`);
      for (const t of p.targets ?? []) {
        exprs.push(t.expr);
        for (const e of checkPromQL(expandGrafanaVariables(t.expr), series))
          problems.push(`${p.title}: ${e}`);
      }
    }
    for (const v of dash.templating.list.filter((x) => x.type === 'query')) {
      const q = (v.query as { query: string }).query;
      const m = /^label_values\((\w+),\s*(\w+)\)$/.exec(q);
      if (!m || !series.has(m[1]!)) problems.push(`variable ${v.name}: ${q}`);
    }
    expect(problems).toEqual([]);
    // What the issue asks the dashboard to show, each by its metric.
    for (const metric of [
      'dpm_partitions',
      'dpm_reconcile_total',
      'dpm_reconcile_errors_total',
      'dpm_reconcile_duration_seconds_bucket',
      'hmc_requests_total',
      'hmc_job_duration_seconds_bucket',
      'hmc_notifications_missed_total',
      'hmc_notification_resyncs_total',
      'hmc_relogons_total',
      'dpm_cpcsubset_limit',
    ]) {
      expect(exprs.some((e) => e.includes(metric))).toBe(true);
    }
    // HMC requests by method and status.
    expect(exprs.some((e) => /hmc_requests_total/.test(e) && /by \(method, status\)/.test(e))).toBe(true);
    // Panels do not overlap on the 24-column grid.
    const cells = new Set<string>();
    for (const p of dash.panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
    }
  });

  it('ships a PrometheusRule whose alerts are valid, use real metrics and each have a runbook', () => {
    const pr = findOne(objects, 'PrometheusRule', 'obs-dpm-operator');
    expect(pr.apiVersion).toBe('monitoring.coreos.com/v1');
    const groups = (pr as unknown as { spec: { groups: { name: string; rules: Rule[] }[] } }).spec.groups;
    const rules = groups.flatMap((g) => g.rules);
    const byName = new Map(rules.map((r) => [r.alert, r]));
    for (const name of [
      'DpmHmcUnreachable',
      'DpmHmcNotificationsDown',
      'DpmPartitionNotReady',
      'DpmReconcileErrorsRising',
      'DpmCpcSubsetNearLimit',
    ]) {
      expect(byName.has(name)).toBe(true);
    }
    const problems: string[] = [];
    for (const r of rules) {
      for (const e of checkPromQL(r.expr, series)) problems.push(`${r.alert}: ${e}`);
      if (!/^[A-Z][A-Za-z]+$/.test(r.alert)) problems.push(`${r.alert}: alert name`);
      if (r.for !== undefined && !/^\d+[smh]$/.test(r.for)) problems.push(`${r.alert}: for ${r.for}`);
      if (!['critical', 'warning', 'info'].includes(r.labels.severity ?? ''))
        problems.push(`${r.alert}: severity`);
      if (!(r.annotations.runbook ?? '').trim()) problems.push(`${r.alert}: no runbook`);
      if (r.annotations.runbook_url !== `https://docs.example/install#${r.alert.toLowerCase()}`)
        problems.push(`${r.alert}: runbook_url ${r.annotations.runbook_url}`);
      if (!r.annotations.summary || !r.annotations.description)
        problems.push(`${r.alert}: summary/description`);
      // Only this release's operator: the selector of the metrics Service's scrape.
      if (!r.expr.includes(`job="obs-dpm-operator-metrics", namespace="${NS}"`))
        problems.push(`${r.alert}: not scoped to the release`);
    }
    expect(problems).toEqual([]);
    expect(byName.get('DpmPartitionNotReady')?.for).toBe('20m');
    expect(byName.get('DpmCpcSubsetNearLimit')?.expr).toMatch(/>= 0\.9\s*$/);
  });

  it('rejects a ratio outside (0, 1] with a message naming the value', async () => {
    await expect(
      renderChart({ metrics: { prometheusRule: { enabled: true, cpcSubsetLimitRatio: 2 } } }, 'obs', NS),
    ).rejects.toThrow(/cpcSubsetLimitRatio/);
  });
});
