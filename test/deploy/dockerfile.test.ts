// The Dockerfile's rules, checked by parsing it (fast, no container engine). The image itself is built
// and run by the image tier (npm run test:image: tools/image.sh + test/image with podman).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NODE_FLAGS } from '../../src/cli/node-flags.js';
import { repoRoot } from './helpers.js';

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
  let text: string;
  let df: ReturnType<typeof parseDockerfile>;
  let runtime: Stage;
  beforeAll(async () => {
    text = await readFile(join(repoRoot, 'Dockerfile'), 'utf8');
    df = parseDockerfile(text);
    runtime = df.stages.at(-1)!;
  });
  const ops = (s: Stage, op: string) => s.body.filter((i) => i.op === op).map((i) => i.args);
  const stage = (name: string) => df.stages.find((s) => s.name === name)!;

  it('is multi-stage on a current Node LTS image pinned by exact version, the base image a build ARG', () => {
    expect(df.stages.length).toBeGreaterThanOrEqual(3);
    expect(df.args.get('NODE_IMAGE')).toMatch(/^node:24\.\d+\.\d+-(bookworm|trixie)-slim$/);
    // The runtime may be the same Node without npm (tools/image.sh); by default it is NODE_IMAGE.
    expect(df.args.get('RUNTIME_IMAGE')).toBe('${NODE_IMAGE}');
    const names = df.stages.map((s) => s.name);
    for (const s of df.stages) expect(['${NODE_IMAGE}', '${RUNTIME_IMAGE}', ...names]).toContain(s.from);
    expect(runtime.from).toBe('${RUNTIME_IMAGE}');
    // A `# syntax=` line would make BuildKit pull a frontend image.
    expect(text).not.toMatch(/^#\s*syntax=/m);
  });

  it('installs production dependencies from the lock file, and only the compiler for the build', () => {
    const deps = stage('deps');
    expect(ops(deps, 'RUN').some((r) => /npm ci --omit=dev\b/.test(r))).toBe(true);
    // Keyed on the lock file alone: package.json there is the lock's root entry (scripts may change).
    expect(ops(deps, 'COPY')).toEqual(['package-lock.json ./']);
    const build = stage('build');
    expect(build.from).toBe('deps');
    const runs = ops(build, 'RUN').join('\n');
    expect(runs).not.toMatch(/npm ci(?! --omit=dev)/);
    // typescript and the @types packages at the lock file's versions, nothing else of the dev tree.
    expect(runs).toMatch(/\['typescript', '@types\/node', '@types\/js-yaml'\]/);
    expect(runs).toContain("require('/src/package-lock.json')");
    expect(runs).toMatch(/tsc -p tsconfig\.build\.json/);
    expect(runs).toContain('rm -rf ../dist/src/devenv');
    const copies = ops(runtime, 'COPY');
    expect(copies).toContain('--from=deps --chown=0:0 /src/node_modules ./node_modules');
    expect(copies.some((c) => c.startsWith('--from=build ') && c.endsWith(' ./dist/src'))).toBe(true);
    // Nothing from the build context reaches the runtime stage directly (no sources, no tests).
    expect(copies.filter((c) => !c.startsWith('--from='))).toEqual([]);
    expect(ops(runtime, 'RUN').join(' ')).not.toContain('npm ');
  });

  it('takes the registry CA only as a build secret, never as a layer', () => {
    for (const s of df.stages) {
      for (const r of ops(s, 'RUN').filter((x) => x.includes('npm '))) {
        if (!/npm (ci|install)/.test(r)) continue;
        expect(r).toContain('--mount=type=secret,id=npm-ca');
      }
      for (const c of ops(s, 'COPY')) expect(c).not.toMatch(/\.(crt|pem)\b|ca-certificates/);
    }
  });

  it('runs as a numeric non-root user with tini as PID 1 and the CLI as entrypoint', () => {
    const user = ops(runtime, 'USER');
    expect(user).toHaveLength(1);
    const [uid, gid] = user[0]!.split(':');
    expect(Number(uid)).toBe(65532);
    expect(Number(gid)).toBe(65532);
    // tini: from the base image when it has it (tools/image.sh's), else from Debian.
    expect(
      ops(runtime, 'RUN').some((r) => /\[ -x \/usr\/bin\/tini \] \|\|.*apt-get install .*\btini\b/.test(r)),
    ).toBe(true);
    // node runs with the flags the benchmark measured the operator with.
    expect(JSON.parse(ops(runtime, 'ENTRYPOINT')[0]!)).toEqual([
      '/usr/bin/tini',
      '--',
      'node',
      ...NODE_FLAGS,
      'dist/src/cli.js',
    ]);
    expect(JSON.parse(ops(runtime, 'CMD')[0]!)).toEqual(['run']);
    expect(ops(runtime, 'ENV')).toContain('NODE_ENV=production');
    // Ports are published per command; an EXPOSEd port that is not published stalls testcontainers
    // on podman 4.3 (issue 12).
    expect(ops(runtime, 'EXPOSE')).toEqual([]);
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
});
