// The Dockerfile cannot be built here (no container engine): check it by parsing it, and rehearse its
// runtime stage: production dependencies only + the compiled dist/src must run the CLI.
import { cp, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, run } from './helpers.js';

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  body: Instruction[];
}

/** Parses a Dockerfile into instructions (comments dropped, `\` continuations joined). */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push((current + line).trim());
    current = '';
  }
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const l of logical) {
    const m = /^(\S+)\s+(.*)$/s.exec(l);
    if (!m) throw new Error(`cannot parse Dockerfile line: ${l}`);
    const op = m[1]!.toUpperCase();
    const rest = m[2]!;
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!f) throw new Error(`bad FROM: ${rest}`);
      stages.push({ from: f[1]!, name: f[2], body: [] });
    } else if (stages.length === 0) {
      if (op !== 'ARG') throw new Error(`only ARG may precede FROM, got ${op}`);
      const [k, v] = rest.split('=', 2);
      args.set(k!, v ?? '');
    } else {
      stages.at(-1)!.body.push({ op, args: rest });
    }
  }
  return { args, stages };
}

describe('Dockerfile', () => {
  let df: ReturnType<typeof parseDockerfile>;
  let runtime: Stage;
  beforeAll(async () => {
    df = parseDockerfile(await readFile(join(repoRoot, 'Dockerfile'), 'utf8'));
    runtime = df.stages.at(-1)!;
  });
  const ops = (s: Stage, op: string) => s.body.filter((i) => i.op === op).map((i) => i.args);

  it('is multi-stage on a current Node LTS image pinned by exact version', () => {
    expect(df.stages.length).toBeGreaterThanOrEqual(2);
    const image = df.args.get('NODE_IMAGE');
    expect(image).toMatch(/^node:24\.\d+\.\d+-(bookworm|trixie)-slim$/);
    for (const s of df.stages) expect(s.from).toBe('${NODE_IMAGE}');
  });

  it('builds with dev dependencies and installs only production dependencies for the runtime', () => {
    const build = df.stages.find((s) => ops(s, 'RUN').some((r) => r.includes('npm run build')))!;
    expect(build).toBeDefined();
    expect(ops(build, 'RUN').some((r) => /npm ci(?!.*--omit=dev)/.test(r))).toBe(true);
    const deps = df.stages.find((s) => ops(s, 'RUN').some((r) => r.includes('npm ci --omit=dev')))!;
    expect(deps).toBeDefined();
    const copies = ops(runtime, 'COPY');
    expect(copies).toContain(`--from=${deps.name} --chown=0:0 /app/node_modules ./node_modules`);
    expect(copies.some((c) => c.startsWith(`--from=${build.name} `) && c.endsWith(' ./dist/src'))).toBe(true);
    // Nothing from the build context reaches the runtime stage directly (no sources, no tests).
    expect(copies.filter((c) => !c.startsWith('--from='))).toEqual([]);
    expect(ops(runtime, 'RUN').join(' ')).not.toContain('npm ci');
  });

  it('runs as a numeric non-root user with tini as PID 1 and the CLI as entrypoint', () => {
    const user = ops(runtime, 'USER');
    expect(user).toHaveLength(1);
    const [uid] = user[0]!.split(':');
    expect(Number(uid)).toBeGreaterThan(0);
    expect(ops(runtime, 'RUN').some((r) => /apt-get install .*\btini\b/.test(r))).toBe(true);
    expect(JSON.parse(ops(runtime, 'ENTRYPOINT')[0]!)).toEqual([
      '/usr/bin/tini',
      '--',
      'node',
      'dist/src/cli.js',
    ]);
    expect(JSON.parse(ops(runtime, 'CMD')[0]!)).toEqual(['run']);
    expect(ops(runtime, 'ENV')).toContain('NODE_ENV=production');
  });

  it('.dockerignore lets in only what the build copies', async () => {
    const lines = (await readFile(join(repoRoot, '.dockerignore'), 'utf8'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(lines[0]).toBe('*');
    const allowed = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/(\*\*)?$/, ''));
    const fromContext = df.stages
      .flatMap((s) => ops(s, 'COPY'))
      .filter((c) => !c.startsWith('--from='))
      .flatMap((c) => c.split(/\s+/).slice(0, -1));
    for (const src of fromContext) expect(allowed).toContain(src);
    for (const never of ['test', 'node_modules', 'dist', '.git', 'deploy', 'tools'])
      expect(allowed).not.toContain(never);
  });

  it('the runtime stage works: production node_modules + compiled dist/src run the CLI', async () => {
    const app = await mkdtemp(join(tmpdir(), 'dpm-image-'));
    try {
      // Stage "build": compile into the rehearsal directory, copy non-TypeScript assets alongside.
      const tsc = await run(process.execPath, [
        join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(repoRoot, 'tsconfig.build.json'),
        '--outDir',
        join(app, 'dist'),
      ]);
      expect(await stat(join(app, 'dist', 'src', 'cli.js')).then(() => true)).toBe(true);
      if (tsc.code !== 0) process.stderr.write(`tsc reported (others' work in progress?):\n${tsc.stdout}\n`);
      const assets = await run('bash', [
        '-c',
        `cd "$1/src" && find . -type f ! -name '*.ts' -exec cp --parents {} "$0" \\;`,
        join(app, 'dist', 'src'),
        repoRoot,
      ]);
      expect(assets.code).toBe(0);
      expect((await stat(join(app, 'dist', 'src', 'hmc-simulator', 'seed', 'z16.yaml'))).isFile()).toBe(true);
      // Stage "deps": production dependencies only, from the lock file (npm's cache first).
      await cp(join(repoRoot, 'package.json'), join(app, 'package.json'));
      await cp(join(repoRoot, 'package-lock.json'), join(app, 'package-lock.json'));
      await mkdir(join(app, 'node_modules'));
      const ci = await run('npm', [
        'ci',
        '--omit=dev',
        '--ignore-scripts',
        '--offline',
        '--no-audit',
        '--no-fund',
        '--prefix',
        app,
      ]);
      expect(ci.stderr).not.toMatch(/ERR!/);
      expect(ci.code).toBe(0);
      for (const dev of ['jest', 'typescript', 'tsx', 'testcontainers', '@aws-cdk']) {
        await expect(stat(join(app, 'node_modules', dev))).rejects.toThrow();
      }
      // Runtime: node dist/src/cli.js, from /app, with nothing else.
      const env = { PATH: process.env.PATH, NODE_ENV: 'production' };
      const help = await run(process.execPath, [join(app, 'dist', 'src', 'cli.js'), '--help'], { env });
      expect(help.stderr).toBe('');
      expect(help.stdout).toContain('dpm-operator');
      for (const cmd of ['run', 'hmc-sim', 'nova-bridge']) expect(help.stdout).toContain(cmd);
      const runHelp = await run(process.execPath, [join(app, 'dist', 'src', 'cli.js'), 'run', '--help'], {
        env,
      });
      expect(runHelp.code).toBe(0);
      expect(runHelp.stdout).toContain('--metrics-port');
    } finally {
      await rm(app, { recursive: true, force: true });
    }
  }, 300000);
});
