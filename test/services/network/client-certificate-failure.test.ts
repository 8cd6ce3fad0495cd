import { describe, expect, it } from 'vitest';
import { clientCertificateFailure } from '../../../src/services/network/socket-server.js';

describe('clientCertificateFailure: the reason a TLS listener logs for a client certificate that did not verify', () => {
  it('names expiry and not-yet-valid with the date, anything else as not trusted with the X509 code', () => {
    expect(clientCertificateFailure('CERT_HAS_EXPIRED', 'Jan  1 00:00:00 2020 GMT', 'Jan  2 00:00:00 2020 GMT'))
      .toBe('client certificate expired (notAfter Jan  2 00:00:00 2020 GMT): CERT_HAS_EXPIRED');
    expect(clientCertificateFailure('CERT_NOT_YET_VALID', 'Jan  1 00:00:00 2099 GMT', 'Jan  2 00:00:00 2099 GMT'))
      .toBe('client certificate not yet valid (notBefore Jan  1 00:00:00 2099 GMT): CERT_NOT_YET_VALID');
    expect(clientCertificateFailure('UNABLE_TO_VERIFY_LEAF_SIGNATURE')).toBe('client certificate not trusted: UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});
