// X.509 certificates issued with node:crypto alone (P-256, ECDSA-SHA256): the simulator's CA and
// server certificate, so `hmc-sim` needs no openssl CLI (the container image has none).
// Only what those two certificates need is encoded (DER, RFC 5280).
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

const der = (tag: number, body: Buffer): Buffer => {
  const n = body.length;
  const len =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
};
const seq = (...items: Buffer[]): Buffer => der(0x30, Buffer.concat(items));
const oid = (dotted: string): Buffer => {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes = [a * 40 + b];
  for (const v of rest) {
    const chunk = [v & 0x7f];
    for (let x = v >> 7; x > 0; x >>= 7) chunk.unshift((x & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
};
const int = (b: Buffer): Buffer => der(0x02, b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
const bits = (b: Buffer, unused = 0): Buffer => der(0x03, Buffer.concat([Buffer.from([unused]), b]));
const octets = (b: Buffer): Buffer => der(0x04, b);
const utf8 = (s: string): Buffer => der(0x0c, Buffer.from(s, 'utf8'));
const time = (d: Date): Buffer => {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(iso.slice(2))) : der(0x18, Buffer.from(iso));
};
const name = (o: string, cn: string): Buffer =>
  seq(der(0x31, seq(oid('2.5.4.10'), utf8(o))), der(0x31, seq(oid('2.5.4.3'), utf8(cn))));
const ext = (id: string, critical: boolean, value: Buffer): Buffer =>
  seq(oid(id), ...(critical ? [der(0x01, Buffer.from([0xff]))] : []), octets(value));

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head, tail = ''] = ip.split('::') as [string, string?];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

export interface IssuedCert {
  readonly certPem: string;
  readonly keyPem: string;
  readonly key: KeyObject;
  readonly keyId: Buffer;
  readonly subject: Buffer;
}

interface IssueOptions {
  subject: { o: string; cn: string };
  days: number;
  /** Absent: self-signed CA. */
  issuer?: IssuedCert;
  /** Subject alternative names (IP addresses or DNS names); server certificates only. */
  altNames?: readonly string[];
}

/** Issues a P-256 key and its certificate: a self-signed CA, or a server certificate signed by `issuer`. */
export function issueCertificate(opts: IssueOptions): IssuedCert {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const keyId = createHash('sha1').update(spki.subarray(-65)).digest(); // the EC point (RFC 5280 4.2.1.2)
  const subject = name(opts.subject.o, opts.subject.cn);
  const isCa = !opts.issuer;
  const extensions = isCa
    ? [
        ext('2.5.29.19', true, seq(der(0x01, Buffer.from([0xff])))), // basicConstraints CA:TRUE
        ext('2.5.29.15', true, bits(Buffer.from([0x06]), 1)), // keyUsage keyCertSign, cRLSign
        ext('2.5.29.14', false, octets(keyId)),
      ]
    : [
        ext('2.5.29.19', true, seq()), // CA:FALSE
        ext('2.5.29.15', true, bits(Buffer.from([0xa0]), 5)), // digitalSignature, keyEncipherment
        ext('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))), // serverAuth
        ext(
          '2.5.29.17',
          false,
          seq(
            ...(opts.altNames ?? []).map((n) =>
              isIP(n) ? der(0x87, ipBytes(n)) : der(0x82, Buffer.from(n, 'ascii')),
            ),
          ),
        ),
        ext('2.5.29.14', false, octets(keyId)),
        ext('2.5.29.35', false, seq(der(0x80, opts.issuer!.keyId))),
      ];
  // Positive and minimal DER: a first byte of 0x00 followed by one < 0x80 is "illegal padding" to OpenSSL
  // (1 certificate in 256 failed to verify), so the top byte is kept in 0x40..0x7f.
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x3f) | 0x40;
  const now = Date.now();
  const tbs = seq(
    der(0xa0, int(Buffer.from([2]))), // v3
    int(serial),
    ECDSA_SHA256,
    opts.issuer?.subject ?? subject,
    seq(time(new Date(now - 3_600_000)), time(new Date(now + opts.days * 86_400_000))),
    subject,
    spki,
    der(0xa3, seq(...extensions)),
  );
  const signature = sign('sha256', tbs, opts.issuer?.key ?? privateKey); // DER-encoded ECDSA
  const cert = seq(tbs, ECDSA_SHA256, bits(signature));
  const b64 = cert.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return {
    certPem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    key: privateKey,
    keyId,
    subject,
  };
}
