/**
 * Static checks of the guest image tools: shellcheck (required: CI installs it, a missing
 * shellcheck is a failure), `make install` into an image root with the right modes, and the
 * systemd unit and udev rule contents.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN_DIR, TOOLS_DIR } from './fake-root.js';

const SCRIPTS = ['autoconfigure_networking.sh', 'setmac.sh', 'dpm_guest_image_tools_common'];

function requireTool(name: string, debianPackage: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`${name} is not installed; install it with: apt-get install -y ${debianPackage}`);
  }
  return r.stdout.trim();
}

/** Parses a systemd unit into section -> key -> values. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1]) {
      current = new Map();
      sections.set(header[1], current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq < 0) throw new Error(`bad unit line: ${line}`);
    const key = line.slice(0, eq).trim();
    current.set(key, [
      ...(current.get(key) ?? []),
      ...line
        .slice(eq + 1)
        .trim()
        .split(/\s+/),
    ]);
  }
  return sections;
}

describe('guest image tools packaging', () => {
  it.each(SCRIPTS)('%s is shellcheck clean', (script) => {
    const shellcheck = requireTool('shellcheck', 'shellcheck');
    const r = spawnSync(shellcheck, ['--shell=bash', '--external-sources', '--severity=style', script], {
      cwd: BIN_DIR,
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('make check runs shellcheck over all scripts', () => {
    requireTool('shellcheck', 'shellcheck');
    const make = requireTool('make', 'make');
    const r = spawnSync(make, ['-s', 'check'], { cwd: TOOLS_DIR, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('make install DESTDIR=<image root> places the files with the right modes', () => {
    const make = requireTool('make', 'make');
    const dest = mkdtempSync(join(tmpdir(), 'dpm-image-root-'));
    try {
      const r = spawnSync(make, ['-s', 'install', `DESTDIR=${dest}`], { cwd: TOOLS_DIR, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const mode = (p: string) => (statSync(join(dest, p)).mode & 0o7777).toString(8);
      expect({
        autoconfigure: mode('usr/bin/autoconfigure_networking.sh'),
        setmac: mode('usr/bin/setmac.sh'),
        common: mode('usr/bin/dpm_guest_image_tools_common'),
        unit: mode('usr/lib/systemd/system/autoconfigure_networking.service'),
        rule: mode('etc/udev/rules.d/80-setmac.rules'),
      }).toEqual({ autoconfigure: '755', setmac: '755', common: '644', unit: '644', rule: '644' });
      for (const f of SCRIPTS) {
        expect(readFileSync(join(dest, 'usr/bin', f), 'utf8')).toBe(readFileSync(join(BIN_DIR, f), 'utf8'));
      }
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });

  it('the systemd unit is a oneshot ordered before cloud-init and the network', () => {
    const unit = parseUnit(
      readFileSync(join(TOOLS_DIR, 'usr/lib/systemd/system/autoconfigure_networking.service'), 'utf8'),
    );
    const u = unit.get('Unit')!;
    const s = unit.get('Service')!;
    expect(s.get('Type')).toEqual(['oneshot']);
    expect(s.get('ExecStart')).toEqual(['/usr/bin/autoconfigure_networking.sh']);
    expect(u.get('Before')).toEqual(
      expect.arrayContaining(['cloud-init-local.service', 'network-pre.target']),
    );
    expect(u.get('After')).toEqual(expect.arrayContaining(['systemd-udev-settle.service']));
    expect(u.get('Wants')).toEqual(['network-pre.target']);
    // cloud-init-local.service is ordered before sysinit.target; default dependencies would order
    // this unit after sysinit.target and make a cycle.
    expect(u.get('DefaultDependencies')).toEqual(['no']);
    expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('the udev rule runs setmac.sh with the device path for added qeth interfaces', () => {
    const rules = readFileSync(join(TOOLS_DIR, 'etc/udev/rules.d/80-setmac.rules'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(rules).toHaveLength(1);
    const keys = rules[0]!.split(/,\s*/).map((k) => k.trim());
    expect(keys.sort()).toEqual(
      ['ACTION=="add"', 'DRIVERS=="qeth"', 'RUN+="/usr/bin/setmac.sh %p"', 'SUBSYSTEM=="net"'].sort(),
    );
  });
});
