// A tiny HTTPS helper for simulator tests (plain node:https with the simulator CA).
import https from 'node:https';
import type { RunningSimulator } from '../../src/hmc-simulator/index.js';

export interface Res {
  status: number;
  body: Record<string, unknown> & { reason?: number };
}

export function request(
  sim: Pick<RunningSimulator, 'url' | 'caPem'>,
  method: string,
  path: string,
  opts: { body?: unknown; session?: string; agent?: https.Agent } = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const data = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = {};
    if (data !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.session !== undefined) headers['X-API-Session'] = opts.session;
    const req = https.request(
      new URL(path, sim.url),
      { method, ca: sim.caPem, headers, agent: opts.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Res['body']) : {} });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

export async function logon(sim: RunningSimulator): Promise<string> {
  const r = await request(sim, 'POST', '/api/sessions', {
    body: { userid: sim.userid, password: sim.password },
  });
  if (r.status !== 200) throw new Error(`logon failed: ${r.status}`);
  return String(r.body['api-session']);
}

export const CPC = '/api/cpcs/a1b2c3d4-0000-4000-8000-000000000001';

export function partitionBody(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, 'initial-memory': 1024, 'maximum-memory': 2048, 'ifl-processors': 1, ...extra };
}

/** Polls a job until it ended. */
export async function waitJob(sim: RunningSimulator, session: string, jobUri: string): Promise<Res> {
  for (let i = 0; i < 200; i++) {
    const r = await request(sim, 'GET', jobUri, { session });
    if (r.body['status'] !== 'running') return r;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`job ${jobUri} did not end`);
}
