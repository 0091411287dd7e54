/**
 * The input files of deployment.toml are PEM. A Java keystore, a PKCS#12 file or a bare DER
 * certificate (what a WSO2 or Keycloak installation has at hand) is recognised by its first bytes and
 * refused with the one-line command that converts it, instead of a parser's "text outside blocks".
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** Enough bytes to tell the formats apart: magic numbers and the first DER elements. */
const SNIFF_BYTES = 16;

/** Null when the file may be PEM (the readers say more), else why not and how to convert it. */
export function notPemProblem(file: string, kind: 'certificates' | 'key'): string | null {
  const head = firstBytes(file);
  if (head === null) return null;
  const q = shellQuote(file);
  const target = kind === 'key' ? 'key.pem' : file.replace(/\.[^./]*$/, '') + '.pem';
  if (head.readUInt32BE(0) === 0xfeedfeed || head.readUInt32BE(0) === 0xcececece) {
    const type = head.readUInt32BE(0) === 0xfeedfeed ? 'JKS' : 'JCEKS';
    return (
      `${file} is a Java keystore (${type}); Tessera wants PEM. Convert it (keytool comes with Java): ` +
      `keytool -list -rfc -keystore ${q} -storepass changeit | sed -n '/-BEGIN/,/-END/p' > ${shellQuote(target)}`
    );
  }
  const der = derStart(head);
  if (der === 'pkcs12') {
    const nokeys = kind === 'key' ? '-nocerts -nodes' : '-nokeys';
    return (
      `${file} is a PKCS#12 keystore (.p12/.pfx); Tessera wants PEM. Convert it: ` +
      `openssl pkcs12 -in ${q} ${nokeys} -passin pass:changeit | sed -n '/-BEGIN/,/-END/p' > ${shellQuote(target)}` +
      ' (add -legacy for an old RC2-encrypted file)'
    );
  }
  if (der === 'certificate') {
    return `${file} is a DER (binary) certificate; Tessera wants PEM. Convert it: openssl x509 -inform der -in ${q} -out ${shellQuote(target)}`;
  }
  return null;
}

function firstBytes(file: string): Buffer | null {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const read = readSync(fd, buffer, 0, SNIFF_BYTES, 0);
    return read >= 8 ? buffer.subarray(0, read) : null;
  } catch {
    return null; // existence is reported elsewhere
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * A DER SEQUENCE whose first element is INTEGER 3 is a PKCS#12 PFX (RFC 7292 §4: version v3); one
 * whose first element is another SEQUENCE is an X.509 certificate (tbsCertificate).
 */
function derStart(head: Buffer): 'pkcs12' | 'certificate' | null {
  if (head[0] !== 0x30) return null;
  let pos = 2;
  if (head[1] & 0x80) pos += head[1] & 0x7f;
  if (pos + 3 > head.length) return null;
  if (head[pos] === 0x02 && head[pos + 1] === 0x01 && head[pos + 2] === 0x03) return 'pkcs12';
  if (head[pos] === 0x30) return 'certificate';
  return null;
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
