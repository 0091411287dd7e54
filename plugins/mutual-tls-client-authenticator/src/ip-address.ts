/**
 * IP address text → the octets an X.509 iPAddress SAN holds (RFC 5280 §4.2.1.6: 4 for IPv4, 16 for
 * IPv6). RFC 8705 §2.1.2 compares `tls_client_auth_san_ip` in binary form, so every spelling of one
 * IPv6 address (compressed, full, upper case, IPv4 tail) gives the same 16 octets.
 */

/** The address octets, or null when `text` is not a plain IPv4 or IPv6 address (no zone, no brackets, no prefix). */
export function parseIpAddress(text: string): Uint8Array | null {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

/** Dotted quad only: no leading zeros (`010` is octal to some parsers), no shortened forms (`127.1`). */
function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === null || tail === null) return null;
  // An IPv4 tail (`::ffff:192.0.2.1`) may only end the address: not before `::`, not mid-way.
  const all = [...head, ...tail];
  const isV4 = (g: number[]) => g.length === 4;
  if (all.slice(0, -1).some(isV4) || (tail.length === 0 && halves.length === 2 && head.some(isV4))) return null;
  const octets = all.flat();
  if (halves.length === 2 ? octets.length > 14 : octets.length !== 16) return null;
  const out = new Uint8Array(16);
  out.set(head.flat(), 0);
  out.set(tail.flat(), 16 - tail.flat().length);
  return out;
}

/** Colon-separated groups as octet pairs (or four octets for an IPv4 group); null on bad syntax. */
function groups(part: string): number[][] | null {
  if (part === '') return [];
  const out: number[][] = [];
  for (const g of part.split(':')) {
    if (/^[0-9A-Fa-f]{1,4}$/.test(g)) {
      const n = parseInt(g, 16);
      out.push([n >> 8, n & 0xff]);
    } else {
      const v4 = g.includes('.') ? parseIpv4(g) : null;
      if (v4 === null) return null;
      out.push([...v4]);
    }
  }
  return out;
}
