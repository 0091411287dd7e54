import { x509 } from './x509.ts';
/**
 * RFC 5280 §4.2.1.12: a certificate with an extendedKeyUsage extension may be used only for the
 * purposes it lists. A PKI client certificate must therefore list clientAuth (or
 * anyExtendedKeyUsage) when it has the extension at all — a TLS server certificate issued by the
 * same CA is not a client credential. No extension means no restriction.
 */

const EXTENDED_KEY_USAGE = '2.5.29.37';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/** False when the certificate's extendedKeyUsage leaves out client authentication, or is malformed. */
export function allowsClientAuthentication(der: Uint8Array): boolean {
  try {
    const ext = x509().readCertificateFields(der).extensions.get(EXTENDED_KEY_USAGE);
    if (!ext) return true;
    const purposes = x509().childrenOf(x509().readSingle(ext.value, x509().Tag.SEQUENCE)).map((p) => {
      if (p.tag !== x509().Tag.OID) throw new (x509().DerError)('extendedKeyUsage entry is not an OID');
      return x509().decodeOid(p.content);
    });
    return purposes.includes(CLIENT_AUTH) || purposes.includes(ANY_EXTENDED_KEY_USAGE);
  } catch (e) {
    if (e instanceof x509().DerError) return false;
    throw e;
  }
}
