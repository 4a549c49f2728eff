/**
 * A fake guest root for running the real guest image tools (guest_image_tools/usr/bin/*) with bash:
 * fake /proc/cmdline, /sys/bus/ccw{,group}/devices, /sys/class/net, and fake external tools on a
 * PATH that contains nothing else. Every fake tool records its arguments; chzdev, znetconf,
 * modprobe and ip also change the fake sysfs the way the real ones change the real one, so a
 * second run sees the result of the first.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TOOLS_DIR = join(process.cwd(), 'guest_image_tools');
export const BIN_DIR = join(TOOLS_DIR, 'usr', 'bin');

/** Absolute path of bash, resolved before the tests restrict PATH. */
export const BASH = (() => {
  const r = spawnSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' });
  const path = r.stdout.trim();
  if (r.status !== 0 || !path) throw new Error('bash is required to test the guest image tools');
  return path;
})();

export type FakeTool = 'ip' | 'chzdev' | 'znetconf' | 'modprobe' | 'udevadm' | 'logger';
export const ALL_TOOLS: readonly FakeTool[] = ['ip', 'chzdev', 'znetconf', 'modprobe', 'udevadm', 'logger'];

export interface Call {
  readonly tool: string;
  readonly args: readonly string[];
}

export interface RunResult {
  readonly status: number | null;
  readonly stderr: string;
  readonly stdout: string;
  readonly calls: Call[];
  /** Messages given to logger, as `<priority> <tag>: <message>`. */
  readonly syslog: string[];
}

export interface GroupDevice {
  readonly online?: boolean;
  readonly ifname?: string;
  readonly mac?: string;
  readonly portno?: number;
}

/** Behaviour shared by the fakes: record the call, fail when a configured substring matches. */
const PRELUDE = (dir: string, tool: string) => `#!/bin/bash
export PATH=/usr/bin:/bin
ROOT=${JSON.stringify(join(dir, 'root'))}
{ printf '%s' ${JSON.stringify(tool)}; for a in "$@"; do printf '\\x1f%s' "$a"; done; printf '\\n'; } >> ${JSON.stringify(join(dir, 'calls.log'))}
if [[ -r ${JSON.stringify(join(dir, 'fail', tool))} ]]; then
  while IFS= read -r pattern; do
    if [[ -n $pattern && " $* " == *"$pattern"* ]]; then
      echo "${tool}: simulated failure for: $*" >&2
      exit 3
    fi
  done < ${JSON.stringify(join(dir, 'fail', tool))}
fi
`;

// Creates an online qeth group device for bus id $1, port $2, like the kernel would.
const MAKE_GROUP = `
make_group() {
  local busid=$1 port=$2 dev ifname
  dev=\${busid##*.}
  ifname="enc\${dev#\${dev%%[!0]*}}"
  [[ \${busid:2:1} == 0 ]] || ifname="enc\${busid:2:1}.\${dev}"
  mkdir -p "$ROOT/sys/bus/ccwgroup/devices/$busid/net/$ifname" "$ROOT/sys/class/net/$ifname"
  echo 1 > "$ROOT/sys/bus/ccwgroup/devices/$busid/online"
  echo 1 > "$ROOT/sys/bus/ccwgroup/devices/$busid/layer2"
  echo "$port" > "$ROOT/sys/bus/ccwgroup/devices/$busid/portno"
  echo "00:11:22:33:44:55" > "$ROOT/sys/class/net/$ifname/address"
}
`;

const BEHAVIOUR: Record<FakeTool, string> = {
  ip: `
if [[ $1 == link && $2 == set && $3 == dev && $5 == address ]]; then
  [[ -d $ROOT/sys/class/net/$4 ]] || { echo "Cannot find device \\"$4\\"" >&2; exit 1; }
  echo "$6" > "$ROOT/sys/class/net/$4/address"
fi
`,
  chzdev: `${MAKE_GROUP}
port=0; ids=""
for a in "$@"; do
  case $a in portno=*) port=\${a#portno=} ;; *:*) ids=$a ;; esac
done
[[ -n $ids ]] && make_group "\${ids%%:*}" "$port"
`,
  znetconf: `${MAKE_GROUP}
port=0; busid=""
while (($#)); do
  case $1 in -a) busid=$2; shift ;; -o) [[ $2 == portno=* ]] && port=\${2#portno=}; shift ;; esac
  shift
done
[[ -n $busid ]] && make_group "$busid" "$port"
`,
  modprobe: `mkdir -p "$ROOT/sys/bus/ccwgroup/drivers/$1"\n`,
  udevadm: '',
  logger: `
tag=""; prio=""
while (($#)); do
  case $1 in -t) tag=$2; shift ;; -p) prio=$2; shift ;; --) shift; break ;; esac
  shift
done
echo "$prio $tag: $*" >> ${'"$ROOT/../syslog.log"'}
`,
};

export class FakeRoot {
  readonly dir = mkdtempSync(join(tmpdir(), 'dpm-guest-tools-'));
  readonly root = join(this.dir, 'root');
  readonly bin = join(this.dir, 'bin');

  constructor(tools: readonly FakeTool[] = ALL_TOOLS) {
    mkdirSync(join(this.root, 'proc'), { recursive: true });
    mkdirSync(join(this.root, 'sys/bus/ccwgroup/devices'), { recursive: true });
    mkdirSync(join(this.root, 'sys/bus/ccw/devices'), { recursive: true });
    mkdirSync(join(this.root, 'sys/class/net'), { recursive: true });
    mkdirSync(join(this.dir, 'fail'), { recursive: true });
    mkdirSync(this.bin, { recursive: true });
    for (const tool of tools) {
      const file = join(this.bin, tool);
      writeFileSync(file, PRELUDE(this.dir, tool) + BEHAVIOUR[tool]);
      chmodSync(file, 0o755);
    }
    this.qethDriverLoaded();
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  cmdline(text: string): this {
    writeFileSync(join(this.root, 'proc/cmdline'), `${text}\n`);
    return this;
  }

  qethDriverLoaded(loaded = true): this {
    const d = join(this.root, 'sys/bus/ccwgroup/drivers/qeth');
    if (loaded) mkdirSync(d, { recursive: true });
    else rmSync(d, { recursive: true, force: true });
    return this;
  }

  /** An ungrouped CCW device (the subchannel exists, no qeth group yet). */
  ccwDevice(busid: string): this {
    mkdirSync(join(this.root, 'sys/bus/ccw/devices', busid), { recursive: true });
    return this;
  }

  groupDevice(busid: string, opts: GroupDevice = {}): this {
    const d = join(this.root, 'sys/bus/ccwgroup/devices', busid);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'online'), opts.online === false ? '0\n' : '1\n');
    writeFileSync(join(d, 'portno'), `${opts.portno ?? 0}\n`);
    if (opts.ifname) {
      mkdirSync(join(d, 'net', opts.ifname), { recursive: true });
      mkdirSync(join(this.root, 'sys/class/net', opts.ifname), { recursive: true });
      writeFileSync(
        join(this.root, 'sys/class/net', opts.ifname, 'address'),
        `${opts.mac ?? '00:11:22:33:44:55'}\n`,
      );
    }
    return this;
  }

  /** The fake `tool` fails (exit 3, message on stderr) when its arguments contain `pattern`. */
  failWhen(tool: FakeTool, pattern: string): this {
    writeFileSync(join(this.dir, 'fail', tool), `${pattern}\n`, { flag: 'a' });
    return this;
  }

  address(ifname: string): string {
    return readFileSync(join(this.root, 'sys/class/net', ifname, 'address'), 'utf8').trim();
  }

  attr(busid: string, name: string): string {
    return readFileSync(join(this.root, 'sys/bus/ccwgroup/devices', busid, name), 'utf8').trim();
  }

  hasGroup(busid: string): boolean {
    return existsSync(join(this.root, 'sys/bus/ccwgroup/devices', busid));
  }

  /** Runs guest_image_tools/usr/bin/<script> with bash; calls and syslog are those of this run. */
  run(script: 'autoconfigure_networking.sh' | 'setmac.sh', args: readonly string[] = []): RunResult {
    const callsFile = join(this.dir, 'calls.log');
    const syslogFile = join(this.dir, 'syslog.log');
    writeFileSync(callsFile, '');
    writeFileSync(syslogFile, '');
    const r = spawnSync(BASH, [join(BIN_DIR, script), ...args], {
      env: { PATH: this.bin, ROOT_DIR: this.root, LC_ALL: 'C' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (r.error) throw r.error;
    const calls = readFileSync(callsFile, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [tool = '', ...args] = l.split('\x1f');
        return { tool, args };
      });
    const syslog = readFileSync(syslogFile, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    return { status: r.status, stderr: r.stderr, stdout: r.stdout, calls, syslog };
  }
}

/** The calls of one tool, each as its argument list joined by spaces. */
export function callsOf(result: RunResult, tool: string): string[] {
  return result.calls.filter((c) => c.tool === tool).map((c) => c.args.join(' '));
}

/** Calls that change something (everything except logging and waiting for udev). */
export function changingCalls(result: RunResult): Call[] {
  return result.calls.filter((c) => c.tool !== 'logger' && c.tool !== 'udevadm');
}
