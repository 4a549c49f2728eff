// The test control plane's services share SQLite files; tools/openstack/python/sitecustomize.py makes
// their transactions BEGIN IMMEDIATE. Two processes that read and then write the same row through
// oslo.db (nova's venv) must then lose no transaction; without it about half of them fail at once with
// "database is locked" (measured: 312 of 600).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const N = 300;

describe('SQLite in the test OpenStack control plane', () => {
  let dir: string;
  let python: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dpm-sqlite-'));
    const venvs = (await run('bash', ['tools/openstack/venvs.sh', 'nova'], { timeout: 1_200_000 })).stdout;
    python = join(/NOVA_VENV=(.*)/.exec(venvs)![1]!.trim(), 'bin', 'python');
    await run('python3', [
      '-c',
      'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA journal_mode=WAL");' +
        ' c.execute("create table counter (n int)"); c.execute("insert into counter values (0)"); c.commit()',
      join(dir, 'db.sqlite'),
    ]);
  }, 1_260_000);

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('two processes writing after reading lose no transaction', async () => {
    const env = { ...process.env, PYTHONPATH: join(process.cwd(), 'tools/openstack/python') };
    const race = () =>
      run(python, ['test/openstack/sqlite-race.py', join(dir, 'db.sqlite'), String(N)], { env });
    const outs = await Promise.all([race(), race()]);
    expect(outs.map((o) => Number(o.stdout.trim()))).toEqual([0, 0]);
    const { stdout } = await run('python3', [
      '-c',
      'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select n from counter").fetchone()[0])',
      join(dir, 'db.sqlite'),
    ]);
    expect(Number(stdout.trim())).toBe(2 * N);
  });
});
