/**
 * RFC 5280 §4.2.1.12: a certificate with an extendedKeyUsage extension may be used only for the
 * purposes it lists. A PKI client certificate must therefore list clientAuth (or
 * anyExtendedKeyUsage) when it has the extension at all — a TLS server certificate issued by the
 * same CA is not a client credential. No extension means no restriction.
 */
import { readCertificateFields } from '../../../core/x509/certificate-fields.ts';
import { DerError, Tag, childrenOf, decodeOid, readSingle } from '../../../core/x509/der.ts';

const EXTENDED_KEY_USAGE = '2.5.29.37';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/** False when the certificate's extendedKeyUsage leaves out client authentication, or is malformed. */
export function allowsClientAuthentication(der: Uint8Array): boolean {
  try {
    const ext = readCertificateFields(der).extensions.get(EXTENDED_KEY_USAGE);
    if (!ext) return true;
    const purposes = childrenOf(readSingle(ext.value, Tag.SEQUENCE)).map((p) => {
      if (p.tag !== Tag.OID) throw new DerError('extendedKeyUsage entry is not an OID');
      return decodeOid(p.content);
    });
    return purposes.includes(CLIENT_AUTH) || purposes.includes(ANY_EXTENDED_KEY_USAGE);
  } catch (e) {
    if (e instanceof DerError) return false;
    throw e;
  }
}
