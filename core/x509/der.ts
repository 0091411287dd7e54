/**
 * A minimal DER reader: just enough to walk a certificate's names, validity and extensions.
 * The bundle reads these itself because Node's `X509Certificate` only offers printed forms
 * (reordered, escaped, lossy) and RFC 8705 matching needs the encoded values.
 * Every bound is checked; malformed input throws `DerError`, the one documented failure.
 *
 * Kept instead of @peculiar/asn1-x509 because a cold read costs 47-80x as much there: 27-31 us vs
 * 1.3-2.5 ms per client certificate (subject RDNs, SANs, validity, EKU), `node bin/run-ts.mjs
 * bench/x509-reader.ts` on 2 loaded cores. Warm requests read no DER (prepared certificates and
 * verdicts are cached: 0.000% of server CPU samples in core/x509 under `npm run bench -- --profile`
 * for token-opaque and token-opaque-handshake), but a certificate seen for the first time, one the
 * 512-entry cache dropped, or each distinct certificate a flood sends pays it, and with the library
 * one read would cost more than a whole keep-alive token request (~760 us CPU in the same setting).
 */
import type { Tlv } from '../api/x509.ts';

export class DerError extends Error {
  override readonly name = 'DerError';
}

export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

// One element, as bundles see it too: `tag` is the whole identifier octet, `encoded` the whole element.
export type { Tlv };

/** The element at `offset`, and where the next one starts. */
export function readTlv(buf: Uint8Array, offset = 0): { tlv: Tlv; next: number } {
  if (offset + 2 > buf.length) throw new DerError('truncated element');
  const tag = buf[offset];
  // High tag numbers (0x1f) never occur in the structures read here.
  if ((tag & 0x1f) === 0x1f) throw new DerError('unsupported tag');
  let length = buf[offset + 1];
  let headerLength = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // 0x80 is BER's indefinite length; more than 4 octets cannot describe anything we accept.
    if (count === 0 || count > 4) throw new DerError('unsupported length encoding');
    if (offset + 2 + count > buf.length) throw new DerError('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[offset + 2 + i];
    if (length < 0x80 || buf[offset + 2] === 0) throw new DerError('non-minimal length');
    headerLength += count;
  }
  const end = offset + headerLength + length;
  if (end > buf.length) throw new DerError('truncated content');
  return {
    tlv: { tag, encoded: buf.subarray(offset, end), content: buf.subarray(offset + headerLength, end) },
    next: end,
  };
}

/** Reads exactly one element filling `buf`, of the expected tag when given. */
export function readSingle(buf: Uint8Array, tag?: number): Tlv {
  const { tlv, next } = readTlv(buf, 0);
  if (next !== buf.length) throw new DerError('trailing data');
  if (tag !== undefined && tlv.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}`);
  return tlv;
}

/** The elements inside a constructed element, in order. */
export function childrenOf(tlv: Tlv, tag?: number): Tlv[] {
  if (tag !== undefined && tlv.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}`);
  if ((tlv.tag & 0x20) === 0) throw new DerError('expected a constructed element');
  const out: Tlv[] = [];
  let offset = 0;
  while (offset < tlv.content.length) {
    const { tlv: child, next } = readTlv(tlv.content, offset);
    out.push(child);
    offset = next;
  }
  return out;
}

/** Dotted-decimal form of an OBJECT IDENTIFIER's content octets. */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0) throw new DerError('empty OID');
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i];
    if (value === 0 && byte === 0x80) throw new DerError('non-minimal OID arc');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large');
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    } else if (i === content.length - 1) {
      throw new DerError('truncated OID');
    }
  }
  const first = arcs[0] < 40 ? 0 : arcs[0] < 80 ? 1 : 2;
  return [first, arcs[0] - first * 40, ...arcs.slice(1)].join('.');
}

/**
 * The text of a character-string value, or null when the tag is not one of X.520's string types
 * or the octets are not valid for it. Teletex is read as Latin-1, as every CA library does.
 */
export function decodeString(tlv: Tlv): string | null {
  const c = tlv.content;
  switch (tlv.tag) {
    case Tag.UTF8_STRING:
      return decodeUtf8(c);
    case Tag.PRINTABLE_STRING:
    case Tag.IA5_STRING:
    case Tag.NUMERIC_STRING:
    case Tag.VISIBLE_STRING:
      return c.every((b) => b < 0x80) ? Buffer.from(c).toString('latin1') : null;
    case Tag.TELETEX_STRING:
      return Buffer.from(c).toString('latin1');
    case Tag.BMP_STRING:
      return c.length % 2 === 0 ? utf16be(c) : null;
    case Tag.UNIVERSAL_STRING:
      return c.length % 4 === 0 ? utf32be(c) : null;
    default:
      return null;
  }
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

// ignoreBOM keeps a leading U+FEFF as content instead of silently dropping it.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strict UTF-8: null for malformed sequences instead of U+FFFD, so bad input cannot match anything. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return UTF8.decode(bytes);
  } catch {
    return null;
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function utf16be(bytes: Uint8Array): string | null {
  let s = '';
  for (let i = 0; i < bytes.length; i += 2) s += String.fromCharCode((bytes[i] << 8) | bytes[i + 1]);
  return LONE_SURROGATE.test(s) ? null : s;
}

function utf32be(bytes: Uint8Array): string | null {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const cp = ((bytes[i] << 24) >>> 0) + (bytes[i + 1] << 16) + (bytes[i + 2] << 8) + bytes[i + 3];
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    s += String.fromCodePoint(cp);
  }
  return s;
}
