// The HMC simulator: an HTTPS WS API + STOMP notification server behaving like an HMC in DPM
// mode. Public entry point; see docs/hmc-simulator.md.
import https from 'node:https';
import { existsSync } from 'node:fs';
import pino from 'pino';
import { createAdminHandler } from './admin.js';
import type { SimContext } from './context.js';
import { FaultEngine } from './faults.js';
import { createHttpFrontEnd } from './http-server.js';
import { JobStore } from './jobs.js';
import { NotificationHub } from './notifications.js';
import { Router } from './router.js';
import { adapterRoutes } from './routes/adapters.js';
import { adapterOpRoutes } from './routes/adapter-ops.js';
import { consoleRoutes } from './routes/console.js';
import { serviceRoutes } from './routes/services.js';
import { partitionLinkRoutes } from './routes/partition-links.js';
import { partitionConsoleRoutes } from './routes/partition-console.js';
import { sustainabilityRoutes } from './routes/sustainability.js';
import { aggregationRoutes, type InnerDispatch } from './routes/aggregation.js';
import { cpcRoutes } from './routes/cpcs.js';
import { hbaRoutes } from './routes/hbas.js';
import { jobRoutes } from './routes/jobs.js';
import { nicRoutes } from './routes/nics.js';
import { osMessageRoutes } from './routes/os-messages.js';
import { osConsole } from './os-messages.js';
import { partitionOpRoutes } from './routes/partition-ops.js';
import { partitionRoutes } from './routes/partitions.js';
import { sessionRoutes } from './routes/sessions.js';
import { virtualSwitchRoutes } from './routes/virtual-switches.js';
import { partitionStorageRoutes } from './routes/partition-storage.js';
import { storageGroupRoutes } from './routes/storage-groups.js';
import { storageTemplateRoutes } from './routes/storage-templates.js';
import { storageVolumeRoutes } from './routes/storage-volumes.js';
import { virtualStorageResourceRoutes } from './routes/virtual-storage-resources.js';
import { loadSeed, readSeed } from './seed.js';
import { SessionStore } from './sessions.js';
import { loadState, saveState } from './state-file.js';
import { StatsCollector } from './stats.js';
import { createStompServer } from './stomp-server.js';
import { Store } from './store.js';
import { ensureTls } from './tls.js';
import { DEFAULTS } from './defaults.js';
import type { FaultRule, RunningSimulator, SimStats, SimulatorOptions } from './types.js';

export type * from './types.js';
export { DEFAULT_SEED_PATH, SEED_NAMES, seedPath } from './seed.js';
export { parseFaultRules } from './faults.js';

export { DEFAULTS };

/** Starts the simulator; resolves once both servers listen. */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const log = opts.logger ?? pino({ level: 'silent' });
  const host = opts.host ?? DEFAULTS.host;
  const store = new Store();
  const seedInfo = loadSeed(store, await readSeed(opts.seed, opts.seedName));
  if (opts.stateFile && existsSync(opts.stateFile)) await loadState(store, opts.stateFile);
  const userid = opts.userid ?? seedInfo.user?.userid ?? 'dpm';
  const password = opts.password ?? seedInfo.user?.password ?? 'dpm-sim-password';

  const faults = new FaultEngine();
  faults.set(opts.faults ?? []);
  const sessions = new SessionStore({
    idleTimeoutMs: opts.sessionIdleTimeoutMs ?? DEFAULTS.sessionIdleTimeoutMs,
    maxSessions: opts.maxSessions ?? DEFAULTS.maxSessions,
  });
  const hub = new NotificationHub(sessions, faults);
  const jobs = new JobStore((job) => hub.publishJobCompletion(job.session, job.uri));
  const sim: SimContext = {
    store,
    sessions,
    hub,
    jobs,
    faults,
    log,
    config: {
      userid,
      password,
      hmcName: seedInfo.hmcName,
      hmcVersion: seedInfo.hmcVersion,
      apiMajor: seedInfo.apiMajor,
      apiMinor: seedInfo.apiMinor,
      jobDurationMs: opts.jobDurationMs ?? DEFAULTS.jobDurationMs,
      fulfillmentDelayMs: opts.fulfillmentDelayMs ?? DEFAULTS.fulfillmentDelayMs,
    },
  };

  // Partitions already running at start (seed or state file) have booted: their consoles show it.
  for (const cpc of store.roots('cpc')) {
    for (const p of store.list(cpc.uri, 'partition')) {
      if (p.props['status'] === 'active') osConsole(sim).started(p, false);
    }
  }
  const tlsMaterial = await ensureTls(opts.tlsDir, host);
  const stats = new StatsCollector();
  let inner: InnerDispatch = () => Promise.reject(new Error('not ready'));
  const router = new Router([
    ...sessionRoutes,
    ...cpcRoutes,
    ...partitionRoutes,
    ...partitionOpRoutes,
    ...osMessageRoutes,
    ...nicRoutes,
    ...hbaRoutes,
    ...adapterRoutes,
    ...adapterOpRoutes,
    ...consoleRoutes,
    ...serviceRoutes,
    ...partitionLinkRoutes,
    ...partitionConsoleRoutes,
    ...sustainabilityRoutes,
    ...virtualSwitchRoutes,
    ...storageGroupRoutes,
    ...storageVolumeRoutes,
    ...virtualStorageResourceRoutes,
    ...storageTemplateRoutes,
    ...partitionStorageRoutes,
    ...jobRoutes,
    ...aggregationRoutes((m, u, s) => inner(m, u, s)),
  ]);
  const save = async (path?: string): Promise<string> => {
    const p = path ?? opts.stateFile;
    if (!p) throw new Error('no state file path given');
    await saveState(store, p);
    return p;
  };
  const load = async (path?: string): Promise<string> => {
    const p = path ?? opts.stateFile;
    if (!p) throw new Error('no state file path given');
    jobs.shutdown();
    await loadState(store, p);
    return p;
  };
  const admin = createAdminHandler({ sim, stats, save, load });
  const http = createHttpFrontEnd({ sim, router, stats, admin, tls: tlsMaterial });
  inner = http.dispatch;
  const stomp = createStompServer({
    hub,
    sessions,
    userid: () => userid,
    password: () => password,
    heartbeatMs: opts.stompHeartbeatMs ?? DEFAULTS.stompHeartbeatMs,
    tls: tlsMaterial,
    log,
  });

  const port = await http.listen(opts.port ?? DEFAULTS.port, host);
  let stompPort: number;
  try {
    stompPort = await stomp.listen(opts.stompPort ?? DEFAULTS.stompPort, host);
  } catch (e) {
    await http.close();
    throw e;
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `https://${urlHost}:${port}`;
  log.info({ url, stompPort, caPath: tlsMaterial.caPath }, 'HMC simulator listening');

  const call = <T>(method: string, path: string, body?: unknown): Promise<T> =>
    adminRequest<T>(url, tlsMaterial.caPem, method, path, body);

  let stopped = false;
  return {
    url,
    host,
    port,
    stompPort,
    caPem: tlsMaterial.caPem,
    caPath: tlsMaterial.caPath,
    userid,
    password,
    admin: {
      stats: () => call<SimStats>('GET', '/_sim/stats'),
      resetStats: () => call('POST', '/_sim/stats/reset'),
      setFaults: (rules: FaultRule[]) => call('PUT', '/_sim/faults', { rules }),
      clearFaults: () => call('DELETE', '/_sim/faults'),
      expireSessions: (sessionId?: string) =>
        call('POST', '/_sim/sessions/expire', sessionId === undefined ? {} : { sessionId }),
      fulfillStorage: async (uri?: string) =>
        (await call<{ fulfilled: number }>('POST', '/_sim/storage/fulfill', uri === undefined ? {} : { uri }))
          .fulfilled,
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      jobs.shutdown();
      await Promise.all([http.close(), stomp.close()]);
      if (opts.stateFile) await saveState(store, opts.stateFile);
      log.info('HMC simulator stopped');
    },
  };
}

/** Calls the admin API over HTTPS (so the admin methods work for any simulator URL). */
function adminRequest<T>(url: string, ca: string, method: string, path: string, body?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(
      new URL(path, url),
      { method, ca, headers: data ? { 'Content-Type': 'application/json' } : {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 400) {
            reject(new Error(`simulator admin ${method} ${path}: ${res.statusCode} ${text}`));
            return;
          }
          resolve((text ? JSON.parse(text) : undefined) as T);
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}
