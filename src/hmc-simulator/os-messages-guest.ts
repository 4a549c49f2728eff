// What the simulated Linux guest writes to its operating system console (the HMC's "Operating
// System Messages"): a boot log built from the partition's boot settings and NICs, the error a
// failed boot shows, a shutdown log, and answers to a few commands. Pure: text in, text out.
import type { Props } from './types.js';

/** One console message as the guest produces it (the console layer adds ids and numbers). */
export interface GuestLine {
  readonly text: string;
  readonly isPriority?: boolean;
  readonly isHeld?: boolean;
  readonly promptText?: string;
}

/** What the guest can see of its partition: its properties and its NICs' properties. */
export interface GuestView {
  readonly partition: Props;
  readonly nics: readonly Props[];
  /** Device number of the HBA named by `boot-storage-device`, if any. */
  readonly bootHbaDevno?: string;
}

const KERNEL = '6.8.0-51-generic';
// The kernel command line zipl stores for the installed system; the HMC appends
// boot-os-specific-parameters after it (that is how the guest tools' entries reach /proc/cmdline).
const ZIPL_PARMS = 'root=/dev/disk/by-label/cloudimg-rootfs ro console=ttysclp0';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const devnoOf = (nic: Props): string => str(nic['device-number']).toLowerCase().padStart(4, '0');
/** systemd's predictable name of a qeth interface: `enc` + the device number without leading zeros. */
const ifname = (devno: string): string => `enc${devno.replace(/^0+(?=.)/, '')}`;

export function hostnameOf(partition: Props): string {
  const h = str(partition['name'])
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return h.slice(0, 63) || 'localhost';
}

/** `<devno>,<port>,<mac>;` entries of boot-os-specific-parameters (see guest_image_tools). */
export function cmdlineNics(bootParams: string): Map<string, { port: string; mac?: string }> {
  const out = new Map<string, { port: string; mac?: string }>();
  for (const m of bootParams.matchAll(/([0-9a-f]{1,4}),([01])(?:,([0-9a-f]{12}))?;/gi)) {
    const devno = (m[1] ?? '').toLowerCase().padStart(4, '0');
    out.set(devno, { port: m[2] ?? '0', ...(m[3] ? { mac: m[3].toLowerCase() } : {}) });
  }
  return out;
}

const colonMac = (mac: string): string => mac.match(/../g)?.join(':') ?? mac;

/** The MAC the interface ends up with: the guest tools' entry wins over the HMC's. */
function effectiveMac(nic: Props, entries: ReturnType<typeof cmdlineNics>): string {
  const e = entries.get(devnoOf(nic));
  return e?.mac ? colonMac(e.mac) : str(nic['mac-address']).toLowerCase();
}

function iplLine(v: GuestView): string {
  const p = v.partition;
  switch (str(p['boot-device'])) {
    case 'storage-adapter':
      return (
        `IPL from FCP device 0.0.${v.bootHbaDevno ?? '????'} WWPN 0x${str(p['boot-world-wide-port-name']).toLowerCase()} ` +
        `LUN 0x${str(p['boot-logical-unit-number']).toLowerCase().padStart(16, '0')}`
      );
    case 'storage-volume':
      return `IPL from storage volume ${str(p['boot-storage-volume'])}`;
    case 'network-adapter':
      return `IPL from network device ${str(p['boot-network-device'])}`;
    case 'ftp':
      return `IPL from FTP server ${str(p['boot-ftp-host'])} (${str(p['boot-ftp-insfile'])})`;
    case 'iso-image':
      return `IPL from ISO image ${str(p['boot-iso-image-name'])}`;
    default:
      return `IPL from ${str(p['boot-device']) || 'the boot device'}`;
  }
}

/** The first part of every boot: IPL, kernel banner and command line. */
function kernelStart(v: GuestView): GuestLine[] {
  const p = v.partition;
  const bop = str(p['boot-os-specific-parameters']);
  return [
    { text: iplLine(v) },
    { text: `zIPL v2.31.0 interactive boot menu: booting default (ubuntu)` },
    { text: `Linux version ${KERNEL} (buildd@bos03-s390x-012) (s390x-linux-gnu-gcc-13) #52-Ubuntu SMP` },
    { text: 'setup: Linux is running natively in 64-bit mode' },
    { text: `setup: The maximum memory size is ${Number(p['initial-memory'] ?? 0)}MB` },
    { text: `Kernel command line: ${bop === '' ? ZIPL_PARMS : `${ZIPL_PARMS} ${bop}`}` },
  ];
}

/** The console log of a successful boot, ending in a login prompt. */
export function bootLog(v: GuestView): GuestLine[] {
  const host = hostnameOf(v.partition);
  const entries = cmdlineNics(str(v.partition['boot-os-specific-parameters']));
  const lines: GuestLine[] = [...kernelStart(v)];
  const cpus = Number(v.partition['ifl-processors'] ?? v.partition['cp-processors'] ?? 1);
  lines.push({ text: `smp: Brought up 1 node, ${cpus} CPU${cpus === 1 ? '' : 's'}` });
  if (v.bootHbaDevno) lines.push({ text: `zfcp 0.0.${v.bootHbaDevno}: Adapter online` });
  lines.push({ text: 'EXT4-fs (sda1): mounted filesystem with ordered data mode' });
  for (const nic of v.nics) {
    const devno = devnoOf(nic);
    const entry = entries.get(devno);
    const mac = effectiveMac(nic, entries);
    lines.push({ text: `qeth 0.0.${devno}: portno ${entry?.port ?? '0'}, layer2 mode` });
    if (entry?.mac) lines.push({ text: `setmac: 0.0.${devno}: MAC address set to ${mac}` });
    lines.push({ text: `qeth 0.0.${devno} ${ifname(devno)}: MAC address ${mac} successfully registered` });
  }
  lines.push(
    { text: `systemd[1]: Hostname set to <${host}>.` },
    { text: 'systemd[1]: Reached target multi-user.target - Multi-User System.' },
    { text: `Ubuntu 24.04.1 LTS ${host} ttysclp0` },
    { text: `${host} login: `, isHeld: true, promptText: `${host} login: ` },
  );
  return lines;
}

/** What the console shows when the boot fails: the kernel cannot mount its root file system. */
export function failedBootLog(v: GuestView): GuestLine[] {
  return [
    ...kernelStart(v),
    {
      text: 'VFS: Cannot open root device "/dev/disk/by-label/cloudimg-rootfs" or unknown-block(0,0): error -6',
    },
    { text: 'Please append a correct "root=" boot option; here are the available partitions:' },
    {
      text: 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)',
      isPriority: true,
    },
  ];
}

export function shutdownLog(v: GuestView): GuestLine[] {
  return [
    { text: 'systemd[1]: Stopping session-1.scope - Session 1 of User root...' },
    { text: 'systemd-shutdown[1]: Syncing filesystems and block devices.' },
    { text: `reboot: Power down (${hostnameOf(v.partition)})` },
  ];
}

/** The shell's answer to one command (the echo of the command comes first). */
export function answer(command: string, v: GuestView): GuestLine[] {
  const host = hostnameOf(v.partition);
  const cmd = command.trim();
  const out: GuestLine[] = [{ text: `root@${host}:~# ${cmd}` }];
  const entries = cmdlineNics(str(v.partition['boot-os-specific-parameters']));
  const reply = (text: string): void => void out.push({ text });
  switch (cmd.split(/\s+/)[0]) {
    case '':
      break;
    case 'uname':
      reply(
        cmd === 'uname -a'
          ? `Linux ${host} ${KERNEL} #52-Ubuntu SMP s390x s390x s390x GNU/Linux`
          : cmd === 'uname -r'
            ? KERNEL
            : 'Linux',
      );
      break;
    case 'hostname':
      reply(host);
      break;
    case 'cat':
      if (cmd === 'cat /proc/cmdline') {
        const bop = str(v.partition['boot-os-specific-parameters']);
        reply(bop === '' ? ZIPL_PARMS : `${ZIPL_PARMS} ${bop}`);
      } else reply(`cat: ${cmd.slice(4)}: No such file or directory`);
      break;
    case 'ip':
      if (/^ip (a|addr|address)( show)?$/.test(cmd)) {
        const rows = [
          '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
          '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
          '    inet 127.0.0.1/8 scope host lo',
        ];
        v.nics.forEach((nic, i) => {
          const devno = devnoOf(nic);
          rows.push(
            `${i + 2}: ${ifname(devno)}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000`,
            `    link/ether ${effectiveMac(nic, entries)} brd ff:ff:ff:ff:ff:ff`,
          );
        });
        reply(rows.join('\n'));
      } else reply(`Command "${cmd.slice(3)}" is unknown, try "ip help".`);
      break;
    default:
      reply(`-bash: ${cmd.split(/\s+/)[0]}: command not found`);
  }
  out.push({ text: `root@${host}:~# `, promptText: `root@${host}:~# ` });
  return out;
}
