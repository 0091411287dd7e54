/**
 * PEM (RFC 7468) to DER and back. Decoding is lenient about layout, because proxies and operators
 * fold, join or re-wrap PEM lines; it is strict about content: only whitespace may surround the
 * blocks, and each body must be valid base64.
 */
import { decodeBase64 } from './base64.ts';

export class PemError extends Error {
  override readonly name = 'PemError';
}

import type { PemDecodeResult } from '../api/x509.ts';

export type { PemDecodeResult };

/** Decodes every `label` block of `text`, in order. Never throws: a problem says what is wrong. */
export function decodePem(text: string, label = 'CERTIFICATE'): PemDecodeResult {
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const ders: Uint8Array[] = [];
  let pos = 0;
  for (;;) {
    const start = text.indexOf(begin, pos);
    if (!isBlank(text, pos, start === -1 ? text.length : start)) return { problem: 'unexpected text outside PEM blocks' };
    if (start === -1) break;
    const bodyStart = start + begin.length;
    const stop = text.indexOf(end, bodyStart);
    if (stop === -1) return { problem: 'unterminated PEM block' };
    // Folded (spaces), one-line (nothing) and CRLF layouts all reduce to the same base64 body.
    const der = decodeBase64(text.slice(bodyStart, stop).replace(/\s+/g, ''));
    if (der === null || der.length === 0) return { problem: 'invalid base64 in PEM block' };
    ders.push(der);
    pos = stop + end.length;
  }
  if (ders.length === 0) return { problem: `no ${label} PEM block` };
  return { ders };
}

/** Every `label` block of `text`, decoded. Throws `PemError` where `decodePem` reports a problem. */
export function pemToDer(text: string, label = 'CERTIFICATE'): Uint8Array[] {
  const result = decodePem(text, label);
  if ('problem' in result) throw new PemError(result.problem);
  return result.ders;
}

/** RFC 7468 layout: 64-character lines, LF, trailing newline. */
export function derToPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const body = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    // space, \t, \n, \v, \f, \r
    if (c !== 0x20 && (c < 0x09 || c > 0x0d)) return false;
  }
  return true;
}
