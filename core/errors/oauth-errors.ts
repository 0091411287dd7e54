/**
 * One error type per RFC error code. Endpoints throw these; `core/http/error-renderer.ts` is the one
 * place that turns them into RFC 6749 §5.2 / RFC 6750 / RFC 7591 responses.
 *
 * `reason` is for the operator (logs, audit events) and never sent to the caller: it may say which
 * registered value was expected, which the response must not leak.
 */
const BRAND = Symbol.for('tessera.OAuthError');

export class OAuthError extends Error {
  /** Bundles carry their own copy of this class; the brand lets the core recognise theirs too. */
  static is(value: unknown): value is OAuthError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  readonly [BRAND] = true;
  readonly status: number;
  readonly error: string;
  readonly description: string;
  readonly reason: string | undefined;
  /** RFC 6750 §3 / RFC 6749 §5.2 WWW-Authenticate challenge, when the status calls for one. */
  readonly challenge: string | undefined;
  /**
   * Further response headers the error calls for (e.g. RFC 9449 §8 `DPoP-Nonce`). The renderer's own
   * headers (Cache-Control, Pragma, WWW-Authenticate, Retry-After, Content-Type) cannot be replaced.
   */
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(
    status: number,
    error: string,
    description: string,
    options: { reason?: string; challenge?: string; headers?: Readonly<Record<string, string>> } = {},
  ) {
    super(`${error}: ${description}`);
    this.name = new.target.name;
    this.status = status;
    this.error = error;
    this.description = description;
    this.reason = options.reason;
    this.challenge = options.challenge;
    this.headers = options.headers;
  }

  toJSON(): Record<string, string> {
    return { error: this.error, error_description: this.description };
  }
}

export class InvalidRequest extends OAuthError {
  constructor(description: string, reason?: string) {
    super(400, 'invalid_request', description, { reason });
  }
}

/** 401 with a Basic challenge (RFC 6749 §5.2). */
export class InvalidClient extends OAuthError {
  constructor(description = 'client authentication failed', reason?: string, realm = 'tessera') {
    super(401, 'invalid_client', description, { reason, challenge: `Basic realm="${realm}"` });
  }
}

export class InvalidGrant extends OAuthError {
  constructor(description: string, reason?: string) {
    super(400, 'invalid_grant', description, { reason });
  }
}

export class UnauthorizedClient extends OAuthError {
  constructor(description: string, reason?: string) {
    super(400, 'unauthorized_client', description, { reason });
  }
}

export class UnsupportedGrantType extends OAuthError {
  constructor(grantType: string) {
    super(400, 'unsupported_grant_type', `grant_type "${grantType}" is not supported`);
  }
}

export class UnsupportedResponseType extends OAuthError {
  constructor(description: string) {
    super(400, 'unsupported_response_type', description);
  }
}

export class InvalidScope extends OAuthError {
  constructor(description: string) {
    super(400, 'invalid_scope', description);
  }
}

export class AccessDenied extends OAuthError {
  constructor(description: string) {
    super(403, 'access_denied', description);
  }
}

export class UnsupportedTokenType extends OAuthError {
  constructor(description: string) {
    super(400, 'unsupported_token_type', description);
  }
}

/** RFC 6750 §3.1: 401 with a Bearer challenge that carries the error. */
export class InvalidToken extends OAuthError {
  constructor(description = 'the access token is invalid', reason?: string) {
    super(401, 'invalid_token', description, {
      reason,
      challenge: `Bearer error="invalid_token", error_description="${description.replace(/"/g, "'")}"`,
    });
  }
}

export class InsufficientScope extends OAuthError {
  constructor(scope: string) {
    super(403, 'insufficient_scope', `the token lacks the "${scope}" scope`, {
      challenge: `Bearer error="insufficient_scope", scope="${scope}"`,
    });
  }
}

/** RFC 6750 §3: a protected resource called with no token at all gets a bare challenge. */
export class MissingToken extends OAuthError {
  constructor(realm = 'tessera') {
    super(401, 'invalid_request', 'a bearer token is required', { challenge: `Bearer realm="${realm}"` });
  }
}

/** RFC 7591 §3.2.2 */
export class InvalidClientMetadata extends OAuthError {
  constructor(description: string) {
    super(400, 'invalid_client_metadata', description);
  }
}

export class InvalidRedirectUri extends OAuthError {
  constructor(description: string) {
    super(400, 'invalid_redirect_uri', description);
  }
}

export class NotFound extends OAuthError {
  constructor(description: string) {
    super(404, 'not_found', description);
  }
}

export class Conflict extends OAuthError {
  constructor(description: string) {
    super(409, 'conflict', description);
  }
}

/** The store or another dependency is down: the caller may retry (503, never a 500). */
export class TemporarilyUnavailable extends OAuthError {
  constructor(description = 'the server is temporarily unavailable', reason?: string) {
    super(503, 'temporarily_unavailable', description, { reason });
  }
}

export class ServerError extends OAuthError {
  constructor(description = 'the server could not complete the request', reason?: string) {
    super(500, 'server_error', description, { reason });
  }
}
