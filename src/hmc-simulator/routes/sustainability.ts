// Get CPC / Partition Historical Sustainability Data (HMC 2.16, the Environmental Dashboard):
// per metric, data points from the oldest to the newest at the requested resolution. The
// simulator has no sensors: values are synthetic but stable (same time -> same value).
import { badRequest } from '../errors.js';
import { getPartition } from '../partition-model.js';
import { bodyObject, checkFields, type Schema } from '../validation.js';
import { ok, type RouteDef } from '../context.js';
import { getCpc } from './cpcs.js';

const MINUTE = 60_000;
const RANGES: Record<string, number> = {
  'last-day': 24 * 60 * MINUTE,
  'last-week': 7 * 24 * 60 * MINUTE,
  'last-month': 30 * 24 * 60 * MINUTE,
  'last-three-months': 91 * 24 * 60 * MINUTE,
  'last-six-months': 182 * 24 * 60 * MINUTE,
  'last-year': 365 * 24 * 60 * MINUTE,
};
const RESOLUTIONS: Record<string, number> = {
  'fifteen-minutes': 15 * MINUTE,
  'one-hour': 60 * MINUTE,
  'one-day': 24 * 60 * MINUTE,
  'one-week': 7 * 24 * 60 * MINUTE,
  'one-month': 30 * 24 * 60 * MINUTE,
};
const SCHEMA: Schema = {
  range: { type: 'string', enum: [...Object.keys(RANGES), 'custom'] },
  resolution: { type: 'string', enum: Object.keys(RESOLUTIONS) },
  'custom-range-start': { type: 'int', min: 0 },
  'custom-range-end': { type: 'int', min: 0 },
};

/** Metric name -> value at a point in time (integers, or floats with a fractional part). */
type Metric = (t: number) => number;
const wave = (t: number, period: number): number => Math.sin((2 * Math.PI * t) / period);
const DAY = 24 * 60 * MINUTE;
const int =
  (base: number, amp: number): Metric =>
  (t) =>
    Math.round(base + amp * wave(t, DAY));
const float =
  (base: number, amp: number): Metric =>
  (t) =>
    Math.floor((base + amp * wave(t, DAY)) * 10) / 10 + 0.05;

const CPC_METRICS: Record<string, Metric> = {
  'total-wattage': int(9200, 600),
  'partition-wattage': int(6100, 500),
  'infrastructure-wattage': int(2600, 50),
  'unassigned-wattage': int(500, 50),
  'heat-load': int(31400, 2000),
  'heat-load-forced-air': int(31400, 2000),
  'processor-utilization': int(42, 20),
  'ambient-temperature': float(22, 1.5),
  'exhaust-heat-temperature': float(35, 3),
  'dew-point': float(9, 1),
  'ambient-humidity': int(45, 5),
};
const PARTITION_METRICS: Record<string, Metric> = {
  wattage: int(300, 80),
  'processor-utilization': int(30, 20),
};

function series(body: Record<string, unknown>, metrics: Record<string, Metric>): Record<string, unknown> {
  checkFields(body, SCHEMA, 'create');
  const range = String(body['range'] ?? 'last-week');
  const step = RESOLUTIONS[String(body['resolution'] ?? 'one-hour')] ?? 60 * MINUTE;
  const now = Math.floor(Date.now() / step) * step;
  let start: number;
  let end = now;
  if (range === 'custom') {
    if (typeof body['custom-range-start'] !== 'number' || typeof body['custom-range-end'] !== 'number') {
      throw badRequest(5, "A custom range needs 'custom-range-start' and 'custom-range-end'");
    }
    start = body['custom-range-start'];
    end = Math.min(body['custom-range-end'], now);
    if (start > end) throw badRequest(7, "'custom-range-start' is after 'custom-range-end'");
  } else {
    start = now - (RANGES[range] ?? 0);
  }
  start = Math.ceil(start / step) * step;
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(metrics)) {
    const points = [];
    for (let t = start; t <= end; t += step) points.push({ data: f(t), timestamp: t });
    out[name] = points;
  }
  return out;
}

export const sustainabilityRoutes: RouteDef[] = [
  {
    method: 'POST',
    template: '/api/cpcs/{id}/operations/get-historical-sustainability-data',
    handle: (sim, req) => {
      getCpc(sim, req.params[0] ?? '');
      return ok(series(req.body === undefined ? {} : bodyObject(req.body), CPC_METRICS));
    },
  },
  {
    method: 'POST',
    template: '/api/partitions/{id}/operations/get-historical-sustainability-data',
    handle: (sim, req) => {
      getPartition(sim, req.params[0] ?? '');
      return ok(series(req.body === undefined ? {} : bodyObject(req.body), PARTITION_METRICS));
    },
  },
];
