/**
 * RFC 4518 string preparation for caseIgnoreMatch, as directory servers apply it in practice:
 * map, case fold, NFKC, then insignificant-space handling (trim, collapse inner runs to one space).
 *
 * One deliberate departure: RFC 4518 §2.2 maps control and format characters (NUL, ZWJ, bidi marks…)
 * to nothing. Here they stay significant, so `evil\0.example` never equals `evil.example`: a
 * registration can only match what it visibly says. Only the invisible fillers below are dropped.
 */

// RFC 4518 §2.2 "mapped to nothing": soft hyphens, CGJ, variation selectors, ZWSP, object replacement.
const MAPPED_TO_NOTHING = /[\u00AD\u1806\u034F\u180B-\u180D\uFE00-\uFE0F\uFFFC\u200B]/g;
// §2.2: the whitespace controls and every separator (Zs, Zl, Zp) become SPACE.
const MAPPED_TO_SPACE = /[\t\n\v\f\r\u0085\p{Z}]/gu;

export function prepareCaseIgnore(value: string): string {
  let s = value.replace(MAPPED_TO_NOTHING, '').replace(MAPPED_TO_SPACE, ' ');
  // NFKC before and after folding: compatibility forms can decompose to capitals (Ⅻ → XII) and
  // folding can produce sequences NFKC recomposes. Upper-then-lower approximates full case folding (ß → ss).
  s = s.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
  return s.replace(/ +/g, ' ').trim();
}
