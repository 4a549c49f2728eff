// The simulator's own certificates (node:crypto, no openssl): every one must parse and verify. A random
// serial once produced non-minimal DER ("illegal padding") for about 1 certificate in 256, which showed up as
// a rare "unable to verify the first certificate" anywhere a test started a simulator.
import { X509Certificate } from 'node:crypto';
import { issueCertificate } from '../../src/hmc-simulator/x509.js';

describe('simulator certificates', () => {
  it('2000 server certificates all parse and verify against their CA', () => {
    const ca = issueCertificate({ subject: { o: 'test', cn: 'test CA' }, days: 1 });
    const caCert = new X509Certificate(ca.certPem);
    let verified = 0;
    for (let i = 0; i < 2000; i++) {
      const server = issueCertificate({
        subject: { o: 'test', cn: 'localhost' },
        days: 1,
        issuer: ca,
        altNames: ['127.0.0.1', 'localhost'],
      });
      const cert = new X509Certificate(server.certPem);
      if (cert.checkIssued(caCert) && cert.verify(caCert.publicKey) && cert.checkIP('127.0.0.1')) verified++;
    }
    expect(verified).toBe(2000);
  });
});
