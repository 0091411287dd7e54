/**
 * The whole of `deployment.toml` as zod schemas: every key has a default (an empty file is a valid
 * configuration) and a `.describe()` that `config-reference.ts` turns into docs/configuration.md.
 *
 * Key names follow WSO2 Identity Server where a WSO2 block may be pasted (`clientAuth`,
 * `trustManagerClassName`, `[[event_listener]]`, `grant_handler`), snake_case elsewhere.
 * Objects strip keys they do not know; the loader reports those keys as warnings beforehand.
 */
import { z } from 'zod';
import { isCidrOrAddress } from './cidr.ts';

/** How the loader treats a path-valued key. */
export interface PathKeyInfo {
  /** Relative values are resolved against the config file's folder, or against `server.data_dir`. */
  readonly relativeTo: 'config_dir' | 'data_dir';
  /** A non-empty value must name an existing file, else start-up fails. */
  readonly mustExist: boolean;
}

/** Marks path-valued keys; read by the loader (resolution, existence) and by the docs generator. */
export const pathKeys = z.registry<PathKeyInfo>();

/** Grant types with a built-in handler; any other `[oauth.grant_type.<name>]` needs a `grant_handler`. */
export const BUILT_IN_GRANTS = ['authorization_code', 'client_credentials', 'password', 'refresh_token'] as const;

// Key builders. Each zod method returns a new schema, so `.describe()` and `.register()` come last:
// the metadata must sit on the very schema the object holds.
const text = (value: string, doc: string) => z.string().default(value).describe(doc);
const flag = (value: boolean, doc: string) => z.boolean().default(value).describe(doc);
const integer = (value: number, doc: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.int().min(min).max(max).default(value).describe(doc);
const port = (value: number, doc: string) => integer(value, doc, 0, 65535);
const oneOf = <const T extends readonly [string, ...string[]]>(values: T, value: T[number], doc: string) =>
  z.enum(values).default(value).describe(doc);
const path = (value: string, doc: string, relativeTo: PathKeyInfo['relativeTo']) =>
  z.string().min(1).default(value).describe(doc).register(pathKeys, { relativeTo, mustExist: false });
/** An optional input file: empty = not set; when set it must exist. */
const fileIfSet = (doc: string) => text('', doc).register(pathKeys, { relativeTo: 'config_dir', mustExist: true });
const table = <S extends z.ZodRawShape>(doc: string, shape: S) =>
  // prefault (not default) runs `{}` through the object, so the keys inside get their defaults.
  // Every key has a default, so `{}` is valid input; the generic hides that from TypeScript.
  z.object(shape).prefault({} as never).describe(doc);

const httpUrlOrEmpty = z.string().refine(
  (v) => v === '' || (/^https?:\/\//.test(v) && URL.canParse(v) && !/[?#]/.test(v)),
  'must be empty or an absolute http(s) URL without query or fragment, like https://id.example.com',
);
// RFC 7230 token: anything else could never match a received header name.
const headerNameOrEmpty = z
  .string()
  .refine((v) => v === '' || /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(v), 'must be empty or an HTTP header name');
// RFC 6749 §3.3 scope-token.
const scopeToken = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a scope token (no spaces, quotes or backslashes)');
// Interpolated into `SET search_path`, so only plain identifiers.
const sqlIdentifierOrEmpty = z
  .string()
  .refine((v) => v === '' || /^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(v), 'must be empty or a plain SQL identifier');
const postgresUrlOrEmpty = z
  .string()
  .refine((v) => v === '' || /^postgres(ql)?:\/\/./.test(v), 'must be empty (SQLite) or a postgres:// URL');
const cidr = z.string().refine(isCidrOrAddress, 'must be an IPv4/IPv6 CIDR (10.0.0.0/8) or address');

const server = table('Identity of this node and where it keeps its files.', {
  hostname: text('localhost', 'Host name of this server: in URLs derived from the listener and in the generated TLS certificate.'),
  data_dir: path('data', 'Folder for the SQLite database and generated keys; created on first start.', 'config_dir'),
  dropins_dir: text(
    '',
    "Folder the plugin bundles are loaded from (one sub-folder per bundle with its plugin.json). Empty = the installation's dropins/.",
  ).register(pathKeys, { relativeTo: 'config_dir', mustExist: false }),
  key_encryption_key_file: fileIfSet(
    'File of at least 32 random bytes (openssl rand -base64 32) that wraps the private signing keys and the ' +
      'client_secret_jwt secrets stored in the database (AES-256-GCM), so a copy of the database alone cannot ' +
      'sign tokens or client assertions. Values stored before it was set stay readable; values stored with it ' +
      'need it (the same file on every node): a wrapped signing key without it stops start-up, a wrapped ' +
      'client_secret_jwt secret fails that client (invalid_client, logged). Empty = stored unwrapped.',
  ),
  public_url: httpUrlOrEmpty
    .default('')
    .describe(
      'External base URL when a load balancer fronts Tessera, e.g. https://id.example.com; the issuer and ' +
        'discovery URLs use it. Empty = derived from hostname and the HTTPS listener.',
    ),
  playground_url: httpUrlOrEmpty
    .default('')
    .describe(
      'Where the sample client (`npm run playground`) runs, e.g. http://localhost:8080/: the landing page at / ' +
        'links to it. Empty = no link (the server cannot see a playground running in another process).',
    ),
  callback_page: flag(
    true,
    'Serve /callback: a page showing the authorization code (or error) and state a browser was redirected ' +
      'with, to register as a loopback redirect_uri and redeem the code with curl (docs/guides). It shows only ' +
      'what the URL carries; false removes it.',
  ),
  workers: z
    .union([z.int().min(1).max(1024), z.literal('auto')], { error: 'must be a number of workers (1 to 1024) or "auto"' })
    .default(1)
    .describe(
      'Processes serving requests on this machine: a number, or "auto" for one per available core. Above 1, a ' +
        'primary process supervises the workers (node:cluster), which share the listeners.',
    ),
  drain_delay_ms: integer(
    0,
    'On SIGTERM, how long the node keeps serving while /health answers 503 {"status":"draining"} before it ' +
      'stops accepting connections, in milliseconds: the time a load balancer that checks /health needs to stop ' +
      'choosing it (docs/deploy/README.md, rolling restarts). Above 0 the node also leaves idle keep-alive ' +
      'connections for the load balancer to close rather than cutting them under a request it may be sending.',
    0,
    600_000,
  ),
});

const superAdmin = table('The administrator account that may call the admin API with Basic authentication.', {
  username: text('admin', 'User name of the super admin.'),
  password: text(
    'admin',
    'Password of the super admin. The default "admin" is refused when a listener binds a non-loopback address.',
  ),
  create_admin_account: flag(true, 'Create the super admin on start when no user by that name exists.'),
});

const https = table('The main HTTPS listener; it serves every endpoint and reads client certificates from TLS.', {
  enabled: flag(true, 'Start the HTTPS listener.'),
  host: text(
    '127.0.0.1',
    'Address to listen on. Loopback by default; a non-loopback address (0.0.0.0) needs [super_admin] password ' +
      'changed from the default, or start-up is refused.',
  ),
  port: port(9443, 'Port to listen on; 0 = pick a free port (tests).'),
  cert_file: fileIfSet('PEM server certificate (chain). Empty = generated in data_dir on first start.'),
  key_file: fileIfSet('PEM private key of cert_file. Empty = generated in data_dir on first start.'),
  clientAuth: oneOf(
    ['none', 'want', 'need'],
    'want',
    'TLS client certificate request: none = never ask, want = ask and accept any (the authenticator decides ' +
      'trust, so failures are RFC invalid_client), need = refuse the handshake without one.',
  ),
  truststore: fileIfSet('PEM bundle of client CAs named in the TLS certificate request (and checked when clientAuth = need).'),
  trustManagerClassName: text('', 'WSO2 Java class name; accepted so pasted blocks load, no effect in Tessera.'),
  request_timeout_ms: integer(30000, 'Time allowed to receive a whole request, in milliseconds.', 1),
  keep_alive_timeout_ms: integer(5000, 'Idle time before a kept-alive connection is closed, in milliseconds.', 1),
});

const http = table('Plain HTTP listener for use behind a TLS-terminating proxy.', {
  enabled: flag(false, 'Start the plain HTTP listener.'),
  host: text('127.0.0.1', 'Address to listen on; keep it private, it carries no TLS.'),
  port: port(9763, 'Port to listen on; 0 = pick a free port.'),
  trusted_proxies: z
    .array(cidr)
    .default(() => ['127.0.0.0/8', '::1/128'])
    .describe(
      'CIDRs or addresses of proxies whose forwarded client-certificate header ' +
        '(oauth.mutualtls.client_certificate_header) and X-Forwarded-For are believed; from anyone else ' +
        'both are ignored. The audit trail records the client address X-Forwarded-For gives.',
    ),
});

const database = table('Where clients, tokens and users are stored.', {
  url: postgresUrlOrEmpty
    .default('')
    .describe('Empty = embedded SQLite file under data_dir; postgres://user:pass@host/db to share one database between nodes.'),
  sqlite_file: path('tessera.db', 'SQLite database file (when url is empty).', 'data_dir'),
  schema: sqlIdentifierOrEmpty.default('').describe('PostgreSQL schema for the tables; empty = the search_path default.'),
  pool_size: integer(10, 'Maximum PostgreSQL connections of this node.', 1, 1000),
});

const grantType = table('One table per grant type, keyed by grant name.', {
  grant_handler: text(
    '',
    'Component name or alias (a WSO2 class name works when a bundle declares it) of a handler that wraps the ' +
      'built-in one; empty = built-in handler.',
  ),
  enable: flag(true, 'Offer this grant type; false answers unsupported_grant_type.'),
});

const grantTypes = z
  .object(Object.fromEntries(BUILT_IN_GRANTS.map((g) => [g, grantType])) as Record<(typeof BUILT_IN_GRANTS)[number], typeof grantType>)
  .catchall(grantType)
  .prefault({})
  .describe(
    `Grant types. Built in: ${BUILT_IN_GRANTS.join(', ')}. Another name (e.g. a URN) needs a grant_handler ` +
      'from a bundle; without one it is ignored with a warning.',
  );

/** Read by the certificate-revocation bundle; here so that the keys are checked and documented. */
const revocation = table(
  'Revocation checks (CRL, OCSP) of tls_client_auth certificates, by the certificate-revocation bundle: ' +
    'switched on by an [[event_listener]] naming tessera.revocation.CertificateRevocationValidator and a mode other than off.',
  {
    mode: oneOf(
      ['off', 'soft_fail', 'hard_fail'],
      'off',
      'off = no check; soft_fail = refuse revoked certificates, accept (and log) those whose status cannot be learned; ' +
        'hard_fail = refuse those too.',
    ),
    crl_files: z
      .array(z.string().min(1))
      .default(() => [])
      .describe('CRL files (PEM or DER), re-read when they change on disk.')
      .register(pathKeys, { relativeTo: 'config_dir', mustExist: true }),
    crl_distribution_points: flag(false, 'Fetch (http) the CRLs named in the certificates\' CRL distribution points.'),
    ocsp: flag(false, 'Ask OCSP responders (RFC 6960): the certificate\'s AIA responder, or ocsp_responder_url.'),
    ocsp_responder_url: httpUrlOrEmpty
      .default('')
      .describe('OCSP responder for every certificate, overriding the AIA one; empty = the AIA responder.'),
    cache_seconds: integer(
      300,
      'Longest time a fetched CRL or OCSP answer is used, also bounded by its nextUpdate; an answer without nextUpdate is used this long.',
      1,
    ),
    fetch_timeout_ms: integer(2000, 'Time limit of one CRL or OCSP fetch, connection to last byte.', 1, 60_000),
    max_response_bytes: integer(1_048_576, 'Largest CRL or OCSP response read; larger is a failed fetch.', 1024),
    check_bound_tokens: flag(
      false,
      'Introspection and the resource-side check report tokens bound to a certificate found revoked since as inactive.',
    ),
  },
);

const mutualTls = table('RFC 8705 mutual-TLS client authentication and certificate-bound tokens.', {
  client_certificate_header: headerNameOrEmpty
    .default('')
    .describe(
      'Header carrying the client certificate from a trusted proxy (transport.http.trusted_proxies); the WSO2 ' +
        'guide uses x-wso2-mtls-cert. Empty = header mode off.',
    ),
  max_certificate_bytes: integer(16384, 'Largest forwarded certificate header accepted; larger is invalid_client.', 256),
  endpoint_alias_port: port(
    0,
    'Second HTTPS port that always requests a client certificate, advertised as mtls_endpoint_aliases; 0 = off.',
  ),
  trust_anchors: fileIfSet('PEM bundle of CAs for PKI tls_client_auth chains; empty = transport.https.truststore.'),
  bind_all_access_tokens: flag(false, 'Bind every access token to the presented client certificate, not only for clients asking for it.'),
  introspection_legacy_member: flag(false, 'Also emit WSO2\'s non-standard cnf member "x5t#SHA256" next to "x5t#S256".'),
  revocation,
});

const oauth = table('OAuth 2.0 / OpenID Connect token issuance.', {
  access_token_format: oneOf(['opaque', 'jwt'], 'jwt', 'opaque = random reference token; jwt = signed RFC 9068 token.'),
  access_token_lifetime: integer(3600, 'Access token lifetime in seconds.', 1),
  refresh_token_lifetime: integer(86400, 'Refresh token lifetime in seconds.', 1),
  authorization_code_lifetime: integer(60, 'Authorization code lifetime in seconds.', 1),
  id_token_lifetime: integer(3600, 'ID token lifetime in seconds.', 1),
  clock_skew: integer(30, 'Seconds of clock difference tolerated when checking exp/nbf/iat.'),
  allow_plain_pkce: flag(false, 'Accept code_challenge_method=plain (RFC 7636); S256 is always accepted.'),
  require_pkce_for_public_clients: flag(true, 'Refuse authorization requests from public clients without PKCE.'),
  access_token_signing_alg: oneOf(['ES256', 'RS256'], 'ES256', 'JWS algorithm of JWT access tokens.'),
  id_token_signing_alg: oneOf(['ES256', 'RS256'], 'RS256', 'JWS algorithm of ID tokens.'),
  sweep_interval: integer(300, 'Seconds between sweeps of expired codes and tokens.', 1),
  require_pushed_authorization_requests: flag(
    false,
    'Every authorization request must come through the PAR endpoint (RFC 9126), on every server; per client: the ' +
      'client field of the same name; a fapi2-security server always requires it.',
  ),
  pushed_authorization_request_lifetime: integer(60, 'Seconds a request_uri from the PAR endpoint stays usable (RFC 9126 §2.2; at most 600).', 1, 600),
  default_scopes: z
    .array(scopeToken)
    .refine((v) => !v.includes('admin'), 'must not contain "admin": admin rights come only from a client registration')
    .default(() => ['default', 'openid', 'profile', 'email'])
    .describe(
      'The only scopes a client registered without `scopes` may be granted; asking any other is invalid_scope. ' +
        'Asking none grants those that are not OpenID Connect scopes (WSO2 answers "default"); openid, profile ' +
        'and email must be asked for. "admin" is refused here: only a registration grants it.',
    ),
  mutualtls: mutualTls,
  grant_type: grantTypes,
});

const eventListener = z.object({
  id: z.string().optional().describe('Free label (WSO2 uses it); not interpreted.'),
  type: text('', 'WSO2 handler type; with name it identifies the entry a later one overrides.'),
  name: z.string().min(1).describe('Component name or alias, e.g. a WSO2 class name a bundle declares.'),
  // No default here: an entry without `order` takes the component's own (plugin.json), e.g. 158 for
  // the mutual-TLS authenticator, instead of a blanket 100 that would hide it.
  order: z
    .int()
    .min(Number.MIN_SAFE_INTEGER)
    .optional()
    .describe("Lower runs first. Omitted: the component's own default order from its plugin.json (100 if it declares none)."),
  enable: flag(true, 'false switches the component off.'),
  properties: z
    .record(z.string(), z.unknown())
    .prefault({})
    .describe('Table handed to the component unvalidated.'),
});

const adminConsole = table('WSO2 admin console settings; accepted so the WSO2 guide\'s blocks load.', {
  authenticator: table('Admin console authenticators.', {
    mutual_ssl_authenticator: table('WSO2 mutual SSL authenticator for admin services.', {
      enable: flag(false, 'Ignored: Tessera never grants admin rights to a client certificate (true gives a warning).'),
    }),
  }),
});

/** `[observability] metrics_listener`: PORT, HOST:PORT or [V6]:PORT. */
export const METRICS_LISTENER_PATTERN = /^(?:(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/;

const observability = table('Metrics and monitoring.', {
  metrics_listener: z
    .string()
    .refine((v) => {
      const m = METRICS_LISTENER_PATTERN.exec(v);
      return v === '' || (m !== null && Number(m[2]) <= 65535);
    }, 'must be empty, a port (bound to 127.0.0.1) or HOST:PORT')
    .default('')
    .describe(
      'Separate plain-HTTP listener serving only /metrics without credentials, for a scraper: "9464" = ' +
        '127.0.0.1:9464 (loopback unless a host is given), "10.0.0.5:9464" = that address. Empty = off. On the ' +
        'public listeners /metrics always needs the super admin (Basic) or a Bearer token with the "metrics" scope.',
    ),
});

const logging = table('Server log output.', {
  level: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info', 'Lowest level written.'),
  format: oneOf(
    ['json', 'pretty', 'auto'],
    'auto',
    'How stdout lines look: json = one JSON object per line (for log shippers); pretty = human-readable, coloured ' +
      'lines; auto = pretty when stdout is a terminal, json otherwise (a pipe, a file, Docker, systemd).',
  ),
});

const limits = table('Bounds on untrusted input, and on how long an answer may take.', {
  max_body_bytes: integer(65536, 'Largest request body accepted.', 1),
  max_header_bytes: integer(16384, 'Largest request header section accepted.', 1),
  max_json_depth: integer(
    32,
    'Deepest nesting of arrays and objects in a JSON request body (admin API: claims, jwks ...); deeper is 400 invalid_request.',
    1,
    10_000,
  ),
  max_certificates_per_client: integer(10, 'Most certificates a client may register.', 1),
  max_chain_depth: integer(5, 'Longest certificate chain built when validating a PKI client certificate.', 1),
  jwks_uri_max_bytes: integer(65536, 'Largest client jwks_uri document fetched.', 1),
  jwks_uri_timeout_ms: integer(3000, 'Timeout of a client jwks_uri fetch, in milliseconds.', 1),
  pushed_request_max_bytes: integer(16384, 'Largest authorization request (its parameters, URL-encoded) the PAR endpoint stores.', 256),
  login_max_attempts: integer(
    5,
    'Failed logins for one user name from one client address before that address is locked out of ' +
      'the account; the account locks for every address after 10 times as many from all addresses together.',
    1,
  ),
  login_lockout_seconds: integer(300, 'How long a lock lasts, counted from the first failed login since the last success.', 1),
  response_timeout_ms: integer(
    30000,
    'Longest a request may wait for its answer; a plugin hook or database that does not answer by then ' +
      'gets the client 503 temporarily_unavailable (the work itself is not cancelled).',
    1,
  ),
});

/** The schema of the whole file. */
export const configSchema = z
  .object({
    server,
    super_admin: superAdmin,
    transport: table('Network listeners.', { https, http }),
    database,
    oauth,
    event_listener: z
      .array(eventListener)
      .prefault([])
      .describe('Components to enable, order or override, one [[event_listener]] table each (WSO2 syntax).'),
    admin_console: adminConsole,
    plugins: z
      .record(z.string(), z.record(z.string(), z.unknown()).describe('One bundle\'s settings.'))
      .prefault({})
      .describe('Settings of each bundle, one table per bundle name, handed to that bundle unvalidated; the bundle checks them.'),
    observability,
    logging,
    limits,
  })
  .superRefine((c, ctx) => {
    const { https: tls, http: plain } = c.transport;
    if (!tls.enabled && !plain.enabled) {
      ctx.addIssue({ code: 'custom', path: ['transport', 'https', 'enabled'], message: 'no listener enabled: enable transport.https or transport.http' });
    }
    // Two listeners on one fixed port would fail at bind time with a less useful message.
    const alias = c.oauth.mutualtls.endpoint_alias_port;
    if (alias !== 0 && tls.enabled && alias === tls.port) {
      ctx.addIssue({ code: 'custom', path: ['oauth', 'mutualtls', 'endpoint_alias_port'], message: 'must differ from transport.https.port' });
    }
    if (tls.enabled && plain.enabled && tls.port !== 0 && tls.port === plain.port) {
      ctx.addIssue({ code: 'custom', path: ['transport', 'http', 'port'], message: 'must differ from transport.https.port' });
    }
  });

/** The validated configuration; relative paths in it are already absolute. */
export type TesseraConfig = z.output<typeof configSchema>;
export type GrantTypeConfig = z.output<typeof grantType>;
export type EventListenerConfig = z.output<typeof eventListener>;
