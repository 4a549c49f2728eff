/**
 * The operator side of the guest image tools contract (guest_image_tools/README.md).
 *
 * A partition's `boot-os-specific-parameters` carries one `<devno>,<port>,<mac>;` entry per NIC
 * (devno: 4 lower-case hex digits; port: 0 or 1; MAC: 12 lower-case hex digits, no separators),
 * followed by the user's extra kernel parameters after one space. The HMC limits the WHOLE string
 * to 256 characters (nova-dpm checked each fragment instead, which let the sum overflow).
 * Inside the guest, autoconfigure_networking.sh and setmac.sh read the entries from /proc/cmdline.
 */

/** HMC limit for the partition property `boot-os-specific-parameters`, whole string. */
export const BOOT_OS_SPECIFIC_PARAMETERS_MAX = 256;

export interface BootNic {
  /** First of the NIC's three device numbers, 1-4 hex digits, optional `0x` prefix, any case. */
  readonly deviceNumber: string;
  /** Adapter port, 0 or 1. */
  readonly port: number;
  /** `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff` or `aabbccddeeff`, any case; locally administered unicast. */
  readonly mac: string;
}

export interface BootParamsInput {
  readonly nics: readonly BootNic[];
  /** User kernel parameters appended after the NIC entries. */
  readonly extra?: string;
}

/** Base of the errors thrown by {@link buildBootOsSpecificParameters}. */
export abstract class BootParamsError extends Error {
  abstract readonly code: string;
}

/** One input field is invalid; `field` names it (`nics[2].mac`, `extra`, ...). */
export class BootParamsValidationError extends BootParamsError {
  override readonly name = 'BootParamsValidationError';
  readonly code = 'BOOT_PARAMS_INVALID';
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`${field}: ${reason} (got ${JSON.stringify(value)})`);
  }
}

/** The whole string is longer than the HMC accepts. */
export class BootParamsTooLongError extends BootParamsError {
  override readonly name = 'BootParamsTooLongError';
  readonly code = 'BOOT_PARAMS_TOO_LONG';
  readonly limit = BOOT_OS_SPECIFIC_PARAMETERS_MAX;
  constructor(readonly length: number) {
    super(
      `boot-os-specific-parameters would be ${length} characters, the HMC accepts at most ` +
        `${BOOT_OS_SPECIFIC_PARAMETERS_MAX}`,
    );
  }
}

const DEVNO = /^(?:0x)?([0-9a-f]{1,4})$/i;
// Either no separators, or the same separator (':' or '-') between all six octets.
const MAC =
  /^([0-9a-f]{2})([:-]?)([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i;
// A whitespace-free token ending in ';' without '=' is what the guest tools parse as NIC entries.
const ENTRY_LIKE_TOKEN = /^[^=\s]*;$/;

/** Normalises a device number to 4 lower-case hex digits; throws naming `field`. */
export function normaliseDeviceNumber(value: string, field = 'deviceNumber'): string {
  const m = typeof value === 'string' ? DEVNO.exec(value.trim()) : null;
  if (!m?.[1]) throw new BootParamsValidationError(field, value, 'device number must be 1-4 hex digits');
  return m[1].toLowerCase().padStart(4, '0');
}

/**
 * Normalises a MAC to 12 lower-case hex digits; throws naming `field` unless it is a locally
 * administered unicast address (second hex digit 2, 6, a or e), the only kind OSA accepts.
 */
export function normaliseMac(value: string, field = 'mac'): string {
  const m = typeof value === 'string' ? MAC.exec(value.trim()) : null;
  if (!m) {
    throw new BootParamsValidationError(
      field,
      value,
      'MAC must be 12 hex digits (optionally : or - separated)',
    );
  }
  const mac = [m[1], m[3], m[4], m[5], m[6], m[7]].join('').toLowerCase();
  const firstOctet = parseInt(mac.slice(0, 2), 16);
  if (firstOctet & 0x01)
    throw new BootParamsValidationError(field, value, 'MAC must be unicast, not multicast');
  if (!(firstOctet & 0x02)) {
    throw new BootParamsValidationError(
      field,
      value,
      'MAC must be locally administered (second hex digit 2, 6, a or e), not globally administered',
    );
  }
  return mac;
}

/**
 * Builds `boot-os-specific-parameters`: `<devno>,<port>,<mac>;` per NIC in input order, then the
 * extra kernel parameters after a single space. Pure and deterministic.
 *
 * Throws {@link BootParamsValidationError} for a bad device number, a duplicate device number, a
 * port other than 0/1, a malformed, multicast or globally administered MAC, or extra parameters
 * that contain a control character or a token the guest tools would read as a NIC entry; throws
 * {@link BootParamsTooLongError} when the whole string exceeds {@link BOOT_OS_SPECIFIC_PARAMETERS_MAX}.
 */
export function buildBootOsSpecificParameters(input: BootParamsInput): string {
  const seen = new Map<string, number>();
  const entries = input.nics.map((nic, i) => {
    const devno = normaliseDeviceNumber(nic.deviceNumber, `nics[${i}].deviceNumber`);
    const previous = seen.get(devno);
    if (previous !== undefined) {
      throw new BootParamsValidationError(
        `nics[${i}].deviceNumber`,
        nic.deviceNumber,
        `device number ${devno} is already used by nics[${previous}]`,
      );
    }
    seen.set(devno, i);
    if (nic.port !== 0 && nic.port !== 1) {
      throw new BootParamsValidationError(`nics[${i}].port`, nic.port, 'port must be 0 or 1');
    }
    const mac = normaliseMac(nic.mac, `nics[${i}].mac`);
    return `${devno},${nic.port},${mac};`;
  });

  const extra = normaliseExtra(input.extra);
  const parts = [entries.join(''), extra].filter((p) => p !== '');
  const result = parts.join(' ');
  if (result.length > BOOT_OS_SPECIFIC_PARAMETERS_MAX) throw new BootParamsTooLongError(result.length);
  return result;
}

function normaliseExtra(extra: string | undefined): string {
  if (extra === undefined) return '';
  if (typeof extra !== 'string') throw new BootParamsValidationError('extra', extra, 'must be a string');
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(extra)) {
    throw new BootParamsValidationError('extra', extra, 'must not contain control characters');
  }
  const tokens = extra.split(/[\t ]+/);
  const entryLike = tokens.find((t) => ENTRY_LIKE_TOKEN.test(t));
  if (entryLike !== undefined) {
    throw new BootParamsValidationError(
      'extra',
      extra,
      `token ${JSON.stringify(entryLike)} would be read by the guest as a NIC entry; list NICs in nics`,
    );
  }
  return extra.trim();
}
