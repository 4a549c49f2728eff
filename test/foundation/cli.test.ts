import { buildProgram, main } from '../../src/cli/program.js';

function captureStderr(): { text: () => string; restore: () => void } {
  let buf = '';
  const orig = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    buf += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  return { text: () => buf, restore: () => void (process.stderr.write = orig) };
}

describe('dpm-operator CLI', () => {
  it('has the five subcommands', () => {
    expect(
      buildProgram()
        .commands.map((c) => c.name())
        .sort(),
    ).toEqual(['console', 'demo', 'hmc-sim', 'nova-bridge', 'run']);
  });

  it.each(['run', 'hmc-sim', 'nova-bridge', 'demo', 'console'])(
    '%s --help describes the command',
    async (cmd) => {
      const program = buildProgram();
      const sub = program.commands.find((c) => c.name() === cmd)!;
      let out = '';
      sub.configureOutput({ writeOut: (s) => (out += s) });
      await expect(program.parseAsync(['node', 'dpm-operator', cmd, '--help'])).rejects.toMatchObject({
        code: 'commander.helpDisplayed',
      });
      expect(out).toContain(`Usage: dpm-operator ${cmd}`);
      expect(out.replace(/\s+/g, ' ')).toContain(sub.description());
    },
  );

  it('rejects an unknown flag with a message naming it and a non-zero exit', async () => {
    const err = captureStderr();
    try {
      const code = await main(['node', 'dpm-operator', 'run', '--no-such-flag']);
      expect(code).toBe(1);
      expect(err.text()).toContain("unknown option '--no-such-flag'");
    } finally {
      err.restore();
    }
  });

  it('rejects an unknown subcommand', async () => {
    const err = captureStderr();
    try {
      expect(await main(['node', 'dpm-operator', 'frobnicate'])).toBe(1);
      expect(err.text()).toContain("unknown command 'frobnicate'");
    } finally {
      err.restore();
    }
  });

  it('validates run options, also from the environment, naming the option', async () => {
    const err = captureStderr();
    try {
      expect(await main(['node', 'dpm-operator', 'run', '--concurrency', '0'])).toBe(1);
      expect(await main(['node', 'dpm-operator', 'run', '--metrics-port', '70000'])).toBe(1);
      process.env.DPM_LOG_LEVEL = 'loud';
      expect(await main(['node', 'dpm-operator', 'run'])).toBe(1);
    } finally {
      delete process.env.DPM_LOG_LEVEL;
      err.restore();
    }
    expect(err.text()).toContain("option '--concurrency <n>' argument '0' is invalid");
    expect(err.text()).toContain("option '--metrics-port <port>' argument '70000' is invalid");
    expect(err.text()).toContain("from env 'DPM_LOG_LEVEL' is invalid");
  });
});
