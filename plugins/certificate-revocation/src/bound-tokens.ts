/**
 * `check_bound_tokens = true`: a token bound (RFC 8705 `cnf` `x5t#S256`) to a certificate that has
 * been revoked since it was issued is reported inactive by introspection and refused (invalid_token)
 * by the resource-side check — sooner than its expiry.
 *
 * What it can know: the path of every certificate this node validated for tls_client_auth is kept
 * by thumbprint (bounded, in memory), so a bound token's certificate is re-checked through the same
 * caches and sources as an authentication. A token whose certificate this node has not seen (issued
 * by another node, before a restart, or evicted) is left as it is: it was checked when issued.
 * Self-signed certificates have no issuer to revoke them. An unknown status follows the mode:
 * hard_fail reports the token inactive, soft_fail leaves it active.
 */
import type {
  AccessTokenRecord,
  IntrospectionContext,
  IntrospectionInterceptor,
  Logger,
  ProtectedResourceValidator,
  RequestInfo,
} from '../../../core/api/index.ts';
import { InvalidToken } from '../../../core/api/index.ts';
import type { RevocationChecker } from './revocation-checker.ts';
import type { RevocationMode } from './settings.ts';

const X5T = 'x5t#S256';

export class BoundTokenCheck {
  constructor(
    private readonly checker: RevocationChecker,
    private readonly mode: Exclude<RevocationMode, 'off'>,
    private readonly logger: Logger,
  ) {}

  /** A reason when the token's certificate is revoked (or unknown under hard_fail), else null. */
  async problem(token: AccessTokenRecord): Promise<string | null> {
    const thumbprint = token.confirmation?.[X5T];
    if (!thumbprint) return null;
    const path = this.checker.knownPath(thumbprint);
    if (!path) return null;
    const status = await this.checker.check(thumbprint, path);
    if (status.status === 'good' || (status.status === 'unknown' && this.mode === 'soft_fail')) return null;
    const reason =
      status.status === 'revoked'
        ? `the certificate the token is bound to is revoked (serial ${status.serial}${status.reason ? `, reason ${status.reason}` : ''})`
        : `the revocation status of the certificate the token is bound to is unknown (serial ${status.serial}; hard_fail)`;
    this.logger.info({ clientId: token.clientId, thumbprint, tokenId: token.id }, reason);
    return reason;
  }
}

export class BoundTokenRevocationInterceptor implements IntrospectionInterceptor {
  constructor(private readonly check: BoundTokenCheck) {}

  async intercept(response: Record<string, unknown>, ctx: IntrospectionContext): Promise<Record<string, unknown>> {
    if (response.active !== true || !ctx.token) return response;
    // RFC 7662 §2.2: an inactive token is `{"active": false}` and nothing else.
    return (await this.check.problem(ctx.token)) ? { active: false } : response;
  }
}

export class BoundTokenRevocationResourceValidator implements ProtectedResourceValidator {
  /** Verifies no cnf member (the binding bundle does): it only adds a refusal. */
  readonly confirmationMethods: readonly string[] = [];

  constructor(private readonly check: BoundTokenCheck) {}

  async validate(token: AccessTokenRecord, _request: RequestInfo): Promise<void> {
    const problem = await this.check.problem(token);
    if (problem) throw new InvalidToken('the access token is invalid, expired or revoked', problem);
  }
}
