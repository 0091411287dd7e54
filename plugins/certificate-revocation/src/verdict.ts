/** What one source (a CRL, an OCSP responder) says about one certificate. */
export type Verdict =
  | { readonly status: 'good'; readonly source: string; /** Until when this answer may be reused. */ readonly until: number }
  | { readonly status: 'revoked'; readonly source: string; readonly reason: string | null; readonly until: number }
  | { readonly status: 'unknown'; readonly source: string; readonly why: string; readonly until: number };

/** Clock skew tolerated on thisUpdate (a CRL or response "from the future"). */
export const SKEW_MS = 5 * 60_000;

/** A failed fetch or an unusable answer is retried after at most this long: a dead responder costs one timeout per period, not one per request. */
export const RETRY_MS = 10_000;
