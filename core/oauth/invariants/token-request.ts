/**
 * What the core itself knows about the token request being served, captured before the grant
 * handler chain runs and kept where no bundle can reach it (an AsyncLocalStorage private to the
 * core). The invariants compare what is about to be issued with this, never with the `GrantContext`
 * the chain handed along (a member may have rewritten or replaced it).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ClientAuthResult, ClientCertificate } from '../../api/extension-points.ts';
import type { Logger } from '../../api/plugin-context.ts';
import type { AccessTokenRecord, AuthorizationCodeRecord, Client, RefreshTokenRecord, ServerContext, User } from '../../api/model.ts';

/** A token set the core issued during this request (stored, or about to be). */
export interface IssuedTokens {
  readonly access: { readonly token: string; readonly record: AccessTokenRecord };
  readonly refresh: { readonly token: string; readonly record: RefreshTokenRecord } | null;
  readonly idToken: string | null;
  readonly tokenType: string;
}

export interface TokenRequest {
  readonly server: ServerContext;
  readonly grantType: string;
  /** The form as the client sent it (a copy). */
  readonly params: Readonly<Record<string, string>>;
  /** The client the core authenticated. */
  readonly client: Client;
  readonly clientAuth: ClientAuthResult;
  /** The certificate the client presented in this request (its authentication's, else the connection's). */
  readonly certificate: ClientCertificate | null;
  /**
   * Proofs of possession the core verified in this request, by `cnf` member: `x5t#S256` → the
   * presented certificate's thumbprint. Another sender constraint (DPoP `jkt`) adds its member here.
   */
  readonly proofs: Map<string, string>;
  readonly logger: Logger;
  /** The chain's members, outermost first: named in the log when an invariant fails. */
  readonly chain: readonly string[];
  readonly limits: {
    readonly accessTokenLifetime: number;
    readonly refreshTokenLifetime: number;
    readonly defaultScopes: readonly string[];
  };
  /** What the core's own grant handler found while serving the request. */
  readonly found: {
    refreshToken?: RefreshTokenRecord;
    code?: AuthorizationCodeRecord;
    /** The user the password grant logged in, and the user name it was asked for. */
    login?: { username: string; user: User };
  };
  /** Every token set the core issued in this request, in order. */
  readonly issued: IssuedTokens[];
}

const current = new AsyncLocalStorage<TokenRequest>();

/** Runs the grant chain with the request's facts in reach of the core (and of nothing else). */
export function withTokenRequest<T>(request: TokenRequest, run: () => Promise<T>): Promise<T> {
  return current.run(request, run);
}

/** The token request being served, or null outside one (then the core issues nothing). */
export function currentTokenRequest(): TokenRequest | null {
  return current.getStore() ?? null;
}
