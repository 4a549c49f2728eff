import {
  BOOT_OS_SPECIFIC_PARAMETERS_MAX,
  BootParamsError,
  BootParamsTooLongError,
  BootParamsValidationError,
  buildBootOsSpecificParameters,
  normaliseDeviceNumber,
  normaliseMac,
} from '../../src/controllers/partition/boot-params.js';

function validationError(fn: () => unknown): BootParamsValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BootParamsValidationError);
    return e as BootParamsValidationError;
  }
  throw new Error('expected a BootParamsValidationError, nothing was thrown');
}

/** n NICs with distinct device numbers 0x0100, 0x0103, ... and distinct MACs. */
function nics(n: number): { deviceNumber: string; port: number; mac: string }[] {
  return Array.from({ length: n }, (_, i) => ({
    deviceNumber: (0x100 + 3 * i).toString(16),
    port: i % 2,
    mac: `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`,
  }));
}

describe('buildBootOsSpecificParameters', () => {
  it('exports the HMC limit of 256', () => {
    expect(BOOT_OS_SPECIFIC_PARAMETERS_MAX).toBe(256);
  });

  it('writes one <devno>,<port>,<mac>; entry per NIC in input order', () => {
    expect(
      buildBootOsSpecificParameters({
        nics: [
          { deviceNumber: '0001', port: 0, mac: 'fa:16:3e:e4:9a:98' },
          { deviceNumber: '0004', port: 1, mac: '0a0000000011' },
        ],
      }),
    ).toBe('0001,0,fa163ee49a98;0004,1,0a0000000011;');
  });

  it.each([
    ['A', '000a'],
    ['1F0', '01f0'],
    ['0xBEEF', 'beef'],
    ['fFfF', 'ffff'],
    [' 0010 ', '0010'],
  ])('normalises device number %j to %j', (input, expected) => {
    expect(
      buildBootOsSpecificParameters({ nics: [{ deviceNumber: input, port: 0, mac: '020000000001' }] }),
    ).toBe(`${expected},0,020000000001;`);
  });

  it.each([
    ['02:AB:cd:EF:01:23', '02abcdef0123'],
    ['02-ab-cd-ef-01-23', '02abcdef0123'],
    ['0EABCDEF0123', '0eabcdef0123'],
    ['a6:00:00:00:00:01', 'a60000000001'],
  ])('normalises MAC %j to %j', (input, expected) => {
    expect(buildBootOsSpecificParameters({ nics: [{ deviceNumber: '1', port: 1, mac: input }] })).toBe(
      `0001,1,${expected};`,
    );
  });

  it('appends the extra kernel parameters after one space', () => {
    expect(
      buildBootOsSpecificParameters({
        nics: [{ deviceNumber: '0001', port: 0, mac: '02:00:00:00:00:01' }],
        extra: '  console=ttyS0 quiet ',
      }),
    ).toBe('0001,0,020000000001; console=ttyS0 quiet');
  });

  it('returns only the extra parameters without NICs, and an empty string for nothing', () => {
    expect(buildBootOsSpecificParameters({ nics: [], extra: 'quiet' })).toBe('quiet');
    expect(buildBootOsSpecificParameters({ nics: [] })).toBe('');
    expect(buildBootOsSpecificParameters({ nics: nics(1), extra: '   ' })).toBe('0100,0,020000000000;');
  });

  it.each([
    ['', 'empty'],
    ['12345', 'five digits'],
    ['00g1', 'not hex'],
    ['0.0.0001', 'bus id'],
  ])('rejects device number %j (%s) naming the field', (deviceNumber) => {
    const err = validationError(() =>
      buildBootOsSpecificParameters({
        nics: [...nics(1), { deviceNumber, port: 0, mac: '020000000009' }],
      }),
    );
    expect(err.field).toBe('nics[1].deviceNumber');
    expect(err.value).toBe(deviceNumber);
    expect(err.code).toBe('BOOT_PARAMS_INVALID');
    expect(err.message).toContain('nics[1].deviceNumber');
  });

  it('rejects a device number used twice, in any spelling', () => {
    const err = validationError(() =>
      buildBootOsSpecificParameters({
        nics: [
          { deviceNumber: '00AB', port: 0, mac: '020000000001' },
          { deviceNumber: 'ab', port: 1, mac: '020000000002' },
        ],
      }),
    );
    expect(err.field).toBe('nics[1].deviceNumber');
    expect(err.reason).toContain('nics[0]');
  });

  it.each([2, -1, 0.5, Number.NaN])('rejects port %p', (port) => {
    const err = validationError(() =>
      buildBootOsSpecificParameters({ nics: [{ deviceNumber: '0001', port, mac: '020000000001' }] }),
    );
    expect(err.field).toBe('nics[0].port');
  });

  it.each([
    ['02000000001', 'malformed'],
    ['0200000000011', 'malformed'],
    ['02:00:00-00:00:01', 'malformed'],
    ['02:00:00:00:00:0g', 'malformed'],
    ['f8163ee49a98', 'globally administered'],
    ['00:16:3e:e4:9a:98', 'globally administered'],
    ['0c0000000001', 'globally administered'],
    ['030000000001', 'multicast'],
    ['ff:ff:ff:ff:ff:ff', 'multicast'],
  ])('rejects MAC %j (%s)', (mac, kind) => {
    const err = validationError(() =>
      buildBootOsSpecificParameters({ nics: [{ deviceNumber: '0001', port: 0, mac }] }),
    );
    expect(err.field).toBe('nics[0].mac');
    expect(err.value).toBe(mac);
    expect(err.reason).toMatch(kind === 'malformed' ? /12 hex digits/ : new RegExp(kind));
  });

  it('accepts exactly the second hex digits 2, 6, a and e', () => {
    const accepted = [...'0123456789abcdef'].filter((d) => {
      try {
        normaliseMac(`0${d}0000000001`);
        return true;
      } catch (e) {
        expect(e).toBeInstanceOf(BootParamsValidationError);
        return false;
      }
    });
    expect(accepted).toEqual(['2', '6', 'a', 'e']);
  });

  it.each(['0001,0,020000000001;', 'a;', ';'])(
    'rejects extra parameters containing entry-like token %j',
    (tok) => {
      const err = validationError(() => buildBootOsSpecificParameters({ nics: [], extra: `quiet ${tok}` }));
      expect(err.field).toBe('extra');
    },
  );

  it('accepts extra parameters with ; inside a key=value token', () => {
    expect(buildBootOsSpecificParameters({ nics: [], extra: 'foo=a;b;' })).toBe('foo=a;b;');
  });

  it('rejects control characters in extra parameters', () => {
    expect(validationError(() => buildBootOsSpecificParameters({ nics: [], extra: 'a\nb' })).field).toBe(
      'extra',
    );
  });

  it('allows 12 NICs (240 characters) and refuses 13 with the whole length', () => {
    const twelve = buildBootOsSpecificParameters({ nics: nics(12) });
    expect(twelve).toHaveLength(240);
    expect(() => buildBootOsSpecificParameters({ nics: nics(13) })).toThrow(BootParamsTooLongError);
    try {
      buildBootOsSpecificParameters({ nics: nics(13) });
    } catch (e) {
      expect(e).toMatchObject({ name: 'BootParamsTooLongError', code: 'BOOT_PARAMS_TOO_LONG', length: 260 });
      expect((e as BootParamsTooLongError).limit).toBe(256);
      expect(e).toBeInstanceOf(BootParamsError);
    }
  });

  it('checks the limit on the whole string, NICs plus extra parameters', () => {
    const entries = buildBootOsSpecificParameters({ nics: nics(12) });
    // 240 + 1 space + 15 = 256: fits exactly.
    const fits = buildBootOsSpecificParameters({ nics: nics(12), extra: 'x'.repeat(15) });
    expect(fits).toBe(`${entries} ${'x'.repeat(15)}`);
    expect(fits).toHaveLength(256);
    // One more character is one too many, although each fragment alone is short.
    let thrown: unknown;
    try {
      buildBootOsSpecificParameters({ nics: nics(12), extra: 'x'.repeat(16) });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(BootParamsTooLongError);
    expect(thrown).toMatchObject({ length: 257, limit: 256 });
    expect(() => buildBootOsSpecificParameters({ nics: [], extra: 'y'.repeat(257) })).toThrow(
      BootParamsTooLongError,
    );
  });
});

describe('normaliseDeviceNumber / normaliseMac', () => {
  it('use the given field name in errors', () => {
    expect(validationError(() => normaliseDeviceNumber('xyz', 'spec.devno')).field).toBe('spec.devno');
    expect(validationError(() => normaliseMac('001122334455', 'spec.mac')).field).toBe('spec.mac');
  });
});
