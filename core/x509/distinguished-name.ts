/**
 * Distinguished names for RFC 8705 §2.1.2 `tls_client_auth_subject_dn`: parsing RFC 4514 strings,
 * comparing names the way RFC 4517 distinguishedNameMatch does in practice, and reading a
 * certificate's subject from its ASN.1 rather than from any library's printed form (Node prints
 * least-specific first on separate lines, @peculiar/x509 in ASN.1 order: neither is RFC 4514).
 */
import type { DnAttribute, Rdn } from '../api/x509.ts';
import { readCertificateFields } from './certificate-fields.ts';
import { DerError, Tag, type Tlv, childrenOf, decodeOid, decodeString, decodeUtf8, readSingle, toHex } from './der.ts';
import { prepareCaseIgnore } from './string-preparation.ts';

export class DnSyntaxError extends Error {
  override readonly name = 'DnSyntaxError';
}

export type { DnAttribute, Rdn };

/** Short names recognised in strings (case-insensitive); the first of each OID is used when printing. */
const NAMES: readonly (readonly [string, string])[] = [
  ['CN', '2.5.4.3'],
  ['SN', '2.5.4.4'],
  ['SERIALNUMBER', '2.5.4.5'],
  ['C', '2.5.4.6'],
  ['L', '2.5.4.7'],
  ['ST', '2.5.4.8'],
  ['S', '2.5.4.8'],
  ['STREET', '2.5.4.9'],
  ['O', '2.5.4.10'],
  ['OU', '2.5.4.11'],
  ['TITLE', '2.5.4.12'],
  ['T', '2.5.4.12'],
  ['POSTALCODE', '2.5.4.17'],
  ['GIVENNAME', '2.5.4.42'],
  ['GN', '2.5.4.42'],
  ['ORGANIZATIONIDENTIFIER', '2.5.4.97'], // PSD2 / Open Banking eIDAS certificates
  ['DC', '0.9.2342.19200300.100.1.25'],
  ['UID', '0.9.2342.19200300.100.1.1'],
  ['EMAILADDRESS', '1.2.840.113549.1.9.1'],
  ['E', '1.2.840.113549.1.9.1'],
];
const OID_BY_NAME = new Map(NAMES.map(([name, oid]) => [name, oid]));
const NAME_BY_OID = new Map([...NAMES].reverse().map(([name, oid]) => [oid, name]));

// ---------------------------------------------------------------------------------------------
// Parsing RFC 4514 strings

/**
 * Parses an RFC 4514 string into RDNs in the order written (most-specific first). Also accepted:
 * `;` between RDNs and `"quoted"` values (RFC 2253 / 1779 legacy), spaces around `,` `+` `=`, and
 * an `OID.` prefix on numeric types. Throws `DnSyntaxError` on anything else.
 */
export function parseDn(s: string): Rdn[] {
  return new DnParser(s).parse();
}

class DnParser {
  private pos = 0;

  constructor(private readonly s: string) {}

  parse(): Rdn[] {
    const rdns: DnAttribute[][] = [];
    this.skipSpaces();
    if (this.pos === this.s.length) return [];
    let rdn: DnAttribute[] = [];
    for (;;) {
      rdn.push(this.attribute());
      this.skipSpaces();
      if (this.pos === this.s.length) break;
      const sep = this.s[this.pos++];
      if (sep === ',' || sep === ';') {
        rdns.push(rdn);
        rdn = [];
      } else if (sep !== '+') {
        this.fail(`unexpected '${sep}'`);
      }
    }
    rdns.push(rdn);
    return rdns;
  }

  private attribute(): DnAttribute {
    this.skipSpaces();
    const type = this.attributeType();
    this.skipSpaces();
    if (this.s[this.pos] !== '=') this.fail("expected '='");
    this.pos++;
    this.skipSpaces();
    const c = this.s[this.pos];
    if (c === '#') return { type, ...this.hexValue() };
    if (c === '"') return { type, text: this.quotedValue(), ber: null };
    return { type, text: this.stringValue(), ber: null };
  }

  private attributeType(): string {
    const match = this.sticky(/(?:oid\.)?(\d+(?:\.\d+)+)|([A-Za-z][A-Za-z0-9-]*)/iy);
    if (!match) this.fail('expected an attribute type');
    this.pos += match[0].length;
    if (match[1] !== undefined) {
      if (match[1].split('.').some((arc) => arc.length > 1 && arc.startsWith('0'))) this.fail('leading zero in OID');
      return match[1];
    }
    const oid = OID_BY_NAME.get(match[2].toUpperCase());
    if (!oid) this.fail(`unknown attribute type '${match[2]}'`);
    return oid;
  }

  /** `#` hexstring: the BER of the value; a string type also yields its text. */
  private hexValue(): { text: string | null; ber: Uint8Array } {
    this.pos++;
    const match = this.sticky(/(?:[0-9A-Fa-f]{2})+/y);
    if (!match) this.fail('expected hex pairs after #');
    this.pos += match[0].length;
    const ber = new Uint8Array(Buffer.from(match[0], 'hex'));
    let tlv: Tlv;
    try {
      tlv = readSingle(ber);
    } catch (e) {
      if (e instanceof DerError) this.fail(`#hex value is not one BER element (${e.message})`);
      throw e;
    }
    return { text: decodeString(tlv), ber };
  }

  private quotedValue(): string {
    this.pos++;
    const bytes: number[] = [];
    for (;;) {
      if (this.pos >= this.s.length) this.fail('unterminated quoted value');
      const c = this.s[this.pos];
      if (c === '"') break;
      if (c === '\\') this.escape(bytes);
      else this.literal(bytes);
    }
    this.pos++;
    return this.utf8(bytes);
  }

  /** An unquoted value up to the next unescaped separator; unescaped trailing spaces are not part of it. */
  private stringValue(): string {
    const bytes: number[] = [];
    let significant = 0;
    while (this.pos < this.s.length) {
      const c = this.s[this.pos];
      if (c === ',' || c === '+' || c === ';') break;
      if (c === '\\') {
        this.escape(bytes);
        significant = bytes.length;
      } else {
        // RFC 4514 §3: these must be escaped inside a value.
        if (c === '"' || c === '<' || c === '>' || c === '\u0000') this.fail(`unescaped '${c}'`);
        this.literal(bytes);
        if (c !== ' ') significant = bytes.length;
      }
    }
    return this.utf8(bytes.slice(0, significant));
  }

  /** `\` followed by a special character, or by two hex digits standing for one UTF-8 octet. */
  private escape(bytes: number[]): void {
    const next = this.s[this.pos + 1];
    if (next === undefined) this.fail('dangling backslash');
    const pair = this.s.slice(this.pos + 1, this.pos + 3);
    if (/^[0-9A-Fa-f]{2}$/.test(pair)) {
      bytes.push(parseInt(pair, 16));
      this.pos += 3;
    } else if (' "#+,;<=>\\'.includes(next)) {
      bytes.push(next.charCodeAt(0));
      this.pos += 2;
    } else {
      this.fail(`invalid escape '\\${next}'`);
    }
  }

  private literal(bytes: number[]): void {
    const cp = this.s.codePointAt(this.pos)!;
    const ch = String.fromCodePoint(cp);
    if (cp >= 0xd800 && cp <= 0xdfff) this.fail('lone surrogate');
    bytes.push(...Buffer.from(ch, 'utf8'));
    this.pos += ch.length;
  }

  private utf8(bytes: number[]): string {
    const text = decodeUtf8(Uint8Array.from(bytes));
    if (text === null) this.fail('escaped octets are not UTF-8');
    return text;
  }

  /** Matches a sticky regex at the current position, without copying the rest of the string. */
  private sticky(re: RegExp): RegExpExecArray | null {
    re.lastIndex = this.pos;
    return re.exec(this.s);
  }

  private skipSpaces(): void {
    while (this.s[this.pos] === ' ') this.pos++;
  }

  private fail(message: string): never {
    throw new DnSyntaxError(`${message} at position ${this.pos} of distinguished name`);
  }
}

// ---------------------------------------------------------------------------------------------
// Comparing

/**
 * RFC 4517 distinguishedNameMatch as practised: same number of RDNs in the same order, each the
 * same set of (type, value) pairs in any order, text values compared after RFC 4518 preparation
 * (case-insensitive, NFKC, insignificant spaces), non-string values compared by encoding.
 * A string that does not parse equals nothing.
 */
export function dnEquals(a: string, b: string): boolean {
  let left: Rdn[];
  let right: Rdn[];
  try {
    left = parseDn(a);
    right = parseDn(b);
  } catch (e) {
    if (e instanceof DnSyntaxError) return false;
    throw e;
  }
  return rdnSequencesEqual(left, right);
}

export function rdnSequencesEqual(a: readonly Rdn[], b: readonly Rdn[]): boolean {
  return a.length === b.length && a.every((rdn, i) => rdnEqual(rdn, b[i]));
}

function rdnEqual(a: Rdn, b: Rdn): boolean {
  if (a.length !== b.length) return false;
  // A multiset comparison: canonical keys, sorted.
  const ka = a.map(attributeKey).sort();
  const kb = b.map(attributeKey).sort();
  return ka.every((k, i) => k === kb[i]);
}

/** Equal keys ⇔ equal attributes: text wins when known, so `#hex` of a string equals the string. */
function attributeKey(attr: DnAttribute): string {
  if (attr.text !== null) return `${attr.type}\u0000t${prepareCaseIgnore(attr.text)}`;
  return `${attr.type}\u0000b${toHex(attr.ber ?? new Uint8Array(0))}`;
}

// ---------------------------------------------------------------------------------------------
// Certificates

/** RDNs of an encoded Name, in RFC 4514 order (the reverse of the ASN.1 RDNSequence). */
export function rdnsFromName(name: Tlv): Rdn[] {
  return childrenOf(name, Tag.SEQUENCE)
    .map((set) => {
      const attributes = childrenOf(set, Tag.SET);
      if (attributes.length === 0) throw new DerError('empty RelativeDistinguishedName');
      return attributes.map((atv): DnAttribute => {
        const parts = childrenOf(atv, Tag.SEQUENCE);
        if (parts.length !== 2 || parts[0].tag !== Tag.OID) throw new DerError('malformed AttributeTypeAndValue');
        return { type: decodeOid(parts[0].content), text: decodeString(parts[1]), ber: parts[1].encoded };
      });
    })
    .reverse();
}

/**
 * The certificate's subject as an RFC 4514 string (most-specific first). Known types by short name;
 * other types, and values that are not strings, as `OID=#hex` as RFC 4514 §2.4 requires.
 * Throws `DerError` if `der` is not a certificate.
 */
export function certificateSubjectDn(der: Uint8Array): string {
  return formatDn(rdnsFromName(readCertificateFields(der).subject));
}

export function formatDn(rdns: readonly Rdn[]): string {
  return rdns.map((rdn) => rdn.map(formatAttribute).join('+')).join(',');
}

function formatAttribute(attr: DnAttribute): string {
  const name = NAME_BY_OID.get(attr.type);
  if (name && attr.text !== null) return `${name}=${escapeValue(attr.text)}`;
  if (attr.ber) return `${name ?? attr.type}=#${toHex(attr.ber)}`;
  // Parsed from a string with a numeric type: no encoding known, so print the text.
  return `${name ?? attr.type}=${escapeValue(attr.text ?? '')}`;
}

/** RFC 4514 §2.4 escaping: specials anywhere, `#` or space in front, space at the end, NUL as `\00`. */
function escapeValue(value: string): string {
  const chars = Array.from(value);
  return chars
    .map((c, i) => {
      if (c === '\u0000') return '\\00';
      if ('\\"+,;<>'.includes(c)) return `\\${c}`;
      if (i === 0 && (c === '#' || c === ' ')) return `\\${c}`;
      if (i === chars.length - 1 && c === ' ') return '\\ ';
      return c;
    })
    .join('');
}

/**
 * Whether the certificate's subject is the registered DN: parsed structures compared, never
 * strings. False when the registration does not parse (validate it with `parseDn` when it is
 * registered), when it is empty (an empty DN names nobody), or when `der` is not a certificate.
 */
export function dnMatchesCertificate(registered: string, der: Uint8Array): boolean {
  try {
    const expected = parseDn(registered);
    if (expected.length === 0) return false;
    return rdnSequencesEqual(expected, rdnsFromName(readCertificateFields(der).subject));
  } catch (e) {
    if (e instanceof DnSyntaxError || e instanceof DerError) return false;
    throw e;
  }
}
