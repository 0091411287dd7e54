/**
 * One property the core guarantees about every token it issues, whatever the grant handler chain
 * did. Each lives in its own file of this folder and is listed in `index.ts`.
 */
import type { AccessTokenRecord, RefreshTokenRecord } from '../../api/model.ts';
import type { TokenRequest } from './token-request.ts';

/** What the core is about to store and hand out for one grant. */
export interface Issuance {
  readonly access: AccessTokenRecord;
  readonly refresh: RefreshTokenRecord | null;
}

export interface TokenInvariant {
  /** Short name for the log, e.g. `certificate-binding`. */
  readonly name: string;
  /** What is violated, or null when the issuance is fine. Must not throw and must not do I/O. */
  check(request: TokenRequest, issuance: Issuance): string | null;
}

/** The `cnf` member of a certificate-bound token (RFC 8705 §3.1). */
export const X5T_S256 = 'x5t#S256';
