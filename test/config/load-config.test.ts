import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, type ConfigIssue } from '../../core/config/load-config.ts';

const FILE = '/etc/tessera/deployment.toml';

/** The issues of the ConfigError `text` must raise. */
function errorsOf(text: string, file = FILE): ConfigIssue[] {
  try {
    parseConfig(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults', () => {
  it('an empty file is a complete configuration, with nothing to warn about', () => {
    const loaded = parseConfig('', FILE);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.file).toBe(FILE);
    expect(loaded.dir).toBe('/etc/tessera');
    expect(loaded.config).toEqual({
      server: { hostname: 'localhost', data_dir: '/etc/tessera/data', dropins_dir: '', key_encryption_key_file: '', public_url: '', playground_url: '', callback_page: true, workers: 1, drain_delay_ms: 0 },
      super_admin: { username: 'admin', password: 'admin', create_admin_account: true },
      transport: {
        https: {
          enabled: true,
          host: '127.0.0.1',
          port: 9443,
          cert_file: '',
          key_file: '',
          clientAuth: 'want',
          truststore: '',
          trustManagerClassName: '',
          request_timeout_ms: 30000,
          keep_alive_timeout_ms: 5000,
        },
        http: { enabled: false, host: '127.0.0.1', port: 9763, trusted_proxies: ['127.0.0.0/8', '::1/128'] },
      },
      database: { url: '', sqlite_file: '/etc/tessera/data/tessera.db', schema: '', pool_size: 10 },
      oauth: {
        access_token_format: 'jwt',
        access_token_lifetime: 3600,
        refresh_token_lifetime: 86400,
        authorization_code_lifetime: 60,
        id_token_lifetime: 3600,
        clock_skew: 30,
        allow_plain_pkce: false,
        require_pkce_for_public_clients: true,
        access_token_signing_alg: 'ES256',
        id_token_signing_alg: 'RS256',
        sweep_interval: 300,
        require_pushed_authorization_requests: false,
        pushed_authorization_request_lifetime: 60,
        default_scopes: ['default', 'openid', 'profile', 'email'],
        mutualtls: {
          client_certificate_header: '',
          max_certificate_bytes: 16384,
          endpoint_alias_port: 0,
          trust_anchors: '',
          bind_all_access_tokens: false,
          introspection_legacy_member: false,
          revocation: {
            mode: 'off',
            crl_files: [],
            crl_distribution_points: false,
            ocsp: false,
            ocsp_responder_url: '',
            cache_seconds: 300,
            fetch_timeout_ms: 2000,
            max_response_bytes: 1048576,
            check_bound_tokens: false,
          },
        },
        grant_type: {
          authorization_code: { grant_handler: '', enable: true },
          client_credentials: { grant_handler: '', enable: true },
          password: { grant_handler: '', enable: true },
          refresh_token: { grant_handler: '', enable: true },
        },
      },
      event_listener: [],
      admin_console: { authenticator: { mutual_ssl_authenticator: { enable: false } } },
      plugins: {},
      observability: { metrics_listener: '' },
      logging: { level: 'info', format: 'auto' },
      limits: {
        max_body_bytes: 65536,
        max_header_bytes: 16384,
        max_json_depth: 32,
        response_timeout_ms: 30000,
        max_certificates_per_client: 10,
        max_chain_depth: 5,
        jwks_uri_max_bytes: 65536,
        jwks_uri_timeout_ms: 3000,
        pushed_request_max_bytes: 16384,
        login_max_attempts: 5,
        login_lockout_seconds: 300,
      },
    });
  });

  it('defaults are fresh per load (no shared arrays)', () => {
    parseConfig('', FILE).config.transport.http.trusted_proxies.push('10.0.0.0/8');
    expect(parseConfig('', FILE).config.transport.http.trusted_proxies).toEqual(['127.0.0.0/8', '::1/128']);
  });

  it('a comment-only file is the same as an empty one', () => {
    expect(parseConfig('# nothing here\n\n', FILE).config).toEqual(parseConfig('', FILE).config);
  });
});

describe('errors name key, file and line', () => {
  it('wrong type, with a helpful note on quoted booleans', () => {
    const issues = errorsOf('[transport.http]\nenabled="true"\n');
    expect(issues).toEqual([
      { key: 'transport.http.enabled', file: FILE, line: 2, message: 'expected boolean, got string "true"' },
    ]);
  });

  it('the error message lists every issue as <file>:<line>: <key>: <message>', () => {
    const text = '[transport.https]\nport = "9443"\nclientAuth = "optional"\n\n[oauth]\naccess_token_lifetime = 1.5\n';
    try {
      parseConfig(text, FILE);
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain(`${FILE}:2: transport.https.port: expected integer 0–65535, got string "9443"`);
      expect(message).toContain(`${FILE}:3: transport.https.clientAuth: unknown value "optional"; allowed: "none", "want", "need"`);
      expect(message).toContain(`${FILE}:6: oauth.access_token_lifetime: expected integer ≥ 1, got float 1.5`);
      expect((error as ConfigError).issues).toHaveLength(3);
    }
  });

  it('unknown enum value lists the allowed ones', () => {
    expect(errorsOf('[logging]\nlevel = "verbose"\n')).toEqual([
      {
        key: 'logging.level',
        file: FILE,
        line: 2,
        message: 'unknown value "verbose"; allowed: "trace", "debug", "info", "warn", "error", "fatal", "silent"',
      },
    ]);
  });

  it('out-of-range port', () => {
    expect(errorsOf('[oauth.mutualtls]\nendpoint_alias_port = 70000\n')).toEqual([
      { key: 'oauth.mutualtls.endpoint_alias_port', file: FILE, line: 2, message: 'must be at most 65535, got 70000' },
    ]);
  });

  it('[server] workers: a number from 1, or "auto"', () => {
    expect(parseConfig('[server]\nworkers = 4\n', FILE).config.server.workers).toBe(4);
    expect(parseConfig('[server]\nworkers = "auto"\n', FILE).config.server.workers).toBe('auto');
    for (const bad of ['0', '"all"', '1.5']) {
      const issues = errorsOf(`[server]\nworkers = ${bad}\n`);
      expect(issues.map((i) => [i.key, i.line]), bad).toEqual([['server.workers', 2]]);
    }
  });

  it('invalid CIDR points at its line inside a multi-line array', () => {
    const text = '[transport.http]\ntrusted_proxies = [\n  "10.0.0.0/8",\n  "10.0.0.0/33",\n  "fd00::/8",\n]\n';
    expect(errorsOf(text)).toEqual([
      {
        key: 'transport.http.trusted_proxies[1]',
        file: FILE,
        line: 4,
        message: 'must be an IPv4/IPv6 CIDR (10.0.0.0/8) or address, got string "10.0.0.0/33"',
      },
    ]);
  });

  it('accepts plain addresses and both IP families in trusted_proxies', () => {
    const text = '[transport.http]\ntrusted_proxies = ["192.0.2.7", "10.0.0.0/8", "::1", "2001:db8::/32"]\n';
    expect(parseConfig(text, FILE).config.transport.http.trusted_proxies).toHaveLength(4);
  });

  it('a missing required key points at its table header', () => {
    const text = '[[event_listener]]\nname = "a"\n\n[[event_listener]]\nid = "b"\n';
    expect(errorsOf(text)).toEqual([{ key: 'event_listener[1].name', file: FILE, line: 4, message: 'required key is missing' }]);
  });

  it('array-of-tables entries are indexed and located per entry', () => {
    const text = [
      '[[event_listener]]', // 1
      'name = "first"',
      'order = 1',
      '',
      '[[event_listener]]', // 5
      'name = "second"',
      'order = 2',
      '',
      '[[event_listener]]', // 9
      'name = "third"',
      'order = "three"', // 11
      'enable = 0', // 12
    ].join('\n');
    expect(errorsOf(text)).toEqual([
      { key: 'event_listener[2].order', file: FILE, line: 11, message: 'expected integer, got string "three"' },
      { key: 'event_listener[2].enable', file: FILE, line: 12, message: 'expected boolean, got integer 0' },
    ]);
  });

  it('a table where a value belongs, and a value where a table belongs', () => {
    expect(errorsOf('[server.hostname]\nx = 1\n')).toEqual([
      { key: 'server.hostname', file: FILE, line: 1, message: 'expected string, got table' },
    ]);
    expect(errorsOf('oauth = "jwt"\n')).toEqual([{ key: 'oauth', file: FILE, line: 1, message: 'expected table, got string "jwt"' }]);
  });

  it('cross-key checks: a listener must be enabled, ports must differ', () => {
    expect(errorsOf('[transport.https]\nenabled = false\n')).toEqual([
      { key: 'transport.https.enabled', file: FILE, line: 2, message: 'no listener enabled: enable transport.https or transport.http' },
    ]);
    expect(errorsOf('[oauth.mutualtls]\nendpoint_alias_port = 9443\n')).toEqual([
      { key: 'oauth.mutualtls.endpoint_alias_port', file: FILE, line: 2, message: 'must differ from transport.https.port' },
    ]);
  });

  it('value checks beyond type: URL, header name, scope token, SQL identifier', () => {
    const text = [
      '[server]',
      'public_url = "id.example.com"',
      '[oauth]',
      'default_scopes = ["ok", "two words"]',
      '[oauth.mutualtls]',
      'client_certificate_header = "x cert"',
      '[database]',
      'schema = "a;drop"',
    ].join('\n');
    expect(errorsOf(text).map((i) => `${i.line}: ${i.key}`)).toEqual([
      '2: server.public_url',
      '4: oauth.default_scopes[1]',
      '6: oauth.mutualtls.client_certificate_header',
      '8: database.schema',
    ]);
  });

  it('a TOML syntax error reports its line and column in plain words, with the line and a caret', () => {
    expect(errorsOf('[server]\nhostname = "a"\nport = \n')).toEqual([
      { key: '', file: FILE, line: 3, message: 'TOML syntax error at line 3, column 8: a value is missing or is not valid TOML here (text needs quotes: key = "value")\n      port = \n             ^' },
    ]);
    expect(errorsOf('[server]\nhostname = "a"\n[server]\n')[0]).toMatchObject({ line: 3, message: expect.stringMatching(/^TOML syntax error at line 3, column \d+: this key or table is already set above/) });
  });

  it('an unclosed string is called one, at the column where it opens', () => {
    expect(errorsOf('[server]\nhostname = "localhost\n[transport.https]\nport = 0\n')).toEqual([
      {
        key: '',
        file: FILE,
        line: 2,
        message: 'TOML syntax error at line 2, column 12: the string that starts here is not closed before the end of the line (add the closing quote; """ strings may span lines)\n      hostname = "localhost\n                 ^',
      },
    ]);
    expect(errorsOf('[server]\nhostname = "localhost')[0].message).toMatch(/^TOML syntax error at line 2, column \d+: the string is not closed: its closing quote is missing/);
  });

  it('refuses __proto__ keys as a syntax error instead of passing them on', () => {
    expect(errorsOf('[plugins.x]\n__proto__ = { polluted = true }\n')[0]).toMatchObject({ line: 2 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('warnings', () => {
  it('an unknown key warns with its line, suggests a near key, and is ignored', () => {
    const text = '[transport.https]\nport = 8443\nclientauth = "need"\n';
    const loaded = parseConfig(text, FILE);
    expect(loaded.warnings).toEqual([
      { key: 'transport.https.clientauth', file: FILE, line: 3, message: 'unknown key, ignored (did you mean "clientAuth"?)' },
    ]);
    expect(loaded.config.transport.https.clientAuth).toBe('want');
    expect(loaded.config.transport.https.port).toBe(8443);
  });

  it('unknown tables are reported leaf by leaf, with WSO2 leftovers named as such', () => {
    const text = '[keystore.primary]\nfile_name = "wso2carbon.jks"\npassword = "wso2carbon"\n[frobnicate]\nlevel = 3\n';
    expect(parseConfig(text, FILE).warnings).toEqual([
      { key: 'keystore.primary.file_name', file: FILE, line: 2, message: expect.stringContaining('accepted for WSO2 compatibility; no effect in Tessera') },
      { key: 'keystore.primary.password', file: FILE, line: 3, message: expect.stringContaining('accepted for WSO2 compatibility; no effect in Tessera') },
      { key: 'frobnicate.level', file: FILE, line: 5, message: 'in unknown table "frobnicate", ignored' },
    ]);
  });

  it('a misspelt table name is suggested on the keys inside it', () => {
    expect(parseConfig('[transprt.https]\nport = 1\n', FILE).warnings).toEqual([
      { key: 'transprt.https.port', file: FILE, line: 2, message: 'in unknown table "transprt", ignored (did you mean "transport"?)' },
    ]);
  });

  it('unknown keys inside array-of-tables entries carry the entry index', () => {
    const text = '[[event_listener]]\nname = "a"\n[[event_listener]]\nname = "b"\nordr = 5\n';
    expect(parseConfig(text, FILE).warnings).toEqual([
      { key: 'event_listener[1].ordr', file: FILE, line: 5, message: 'unknown key, ignored (did you mean "order"?)' },
    ]);
  });

  it('a grant named by URN with a grant_handler is kept for the bundle that provides it', () => {
    const text = '[oauth.grant_type."urn:ietf:params:oauth:grant-type:device_code"]\ngrant_handler = "tessera.device.Handler"\n';
    const loaded = parseConfig(text, FILE);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.oauth.grant_type['urn:ietf:params:oauth:grant-type:device_code']).toEqual({
      grant_handler: 'tessera.device.Handler',
      enable: true,
    });
  });

  it('plugin sections pass through unvalidated and unwarned', () => {
    const text = '[plugins.mutual-tls-client-authenticator]\nanything = { nested = [1, "two"] }\n';
    const loaded = parseConfig(text, FILE);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.plugins['mutual-tls-client-authenticator']).toEqual({ anything: { nested: [1, 'two'] } });
  });

  it('event_listener properties are free-form', () => {
    const text = '[[event_listener]]\nname = "x"\nproperties.depth = 3\nproperties.names = ["a"]\n';
    const loaded = parseConfig(text, FILE);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.event_listener[0]).toEqual({ type: '', name: 'x', enable: true, properties: { depth: 3, names: ['a'] } });
  });

  it('a failed load lists the warnings too (a typo is often why a key is missing)', () => {
    try {
      parseConfig('[[event_listener]]\nnmae = "x"\n', FILE);
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).warnings).toEqual([
        { key: 'event_listener[0].nmae', file: FILE, line: 2, message: 'unknown key, ignored (did you mean "name"?)' },
      ]);
      expect((error as Error).message).toContain('warnings:');
    }
  });
});

describe('files and paths', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('resolves relative paths against the config folder, sqlite_file against data_dir', () => {
    mkdirSync(join(dir, 'conf', 'certs'), { recursive: true });
    for (const f of ['server.pem', 'server.key', 'clients.pem']) writeFileSync(join(dir, 'conf', 'certs', f), '');
    const file = join(dir, 'conf', 'deployment.toml');
    writeFileSync(
      file,
      [
        '[server]',
        'data_dir = "../var"',
        'dropins_dir = "bundles"',
        '[transport.https]',
        'cert_file = "certs/server.pem"',
        'key_file = "./certs/server.key"',
        'truststore = "certs/clients.pem"',
        '[database]',
        'sqlite_file = "db/main.db"',
        '[oauth.mutualtls]',
        `trust_anchors = "${join(dir, 'conf', 'certs', 'clients.pem')}"`,
      ].join('\n'),
    );
    const { config, file: loadedFile, dir: loadedDir } = loadConfig(file);
    expect(loadedFile).toBe(file);
    expect(loadedDir).toBe(join(dir, 'conf'));
    expect(config.server.data_dir).toBe(join(dir, 'var'));
    expect(config.server.dropins_dir).toBe(join(dir, 'conf', 'bundles'));
    expect(config.database.sqlite_file).toBe(join(dir, 'var', 'db', 'main.db'));
    expect(config.transport.https.cert_file).toBe(join(dir, 'conf', 'certs', 'server.pem'));
    expect(config.transport.https.key_file).toBe(join(dir, 'conf', 'certs', 'server.key'));
    expect(config.transport.https.truststore).toBe(join(dir, 'conf', 'certs', 'clients.pem'));
    expect(config.oauth.mutualtls.trust_anchors).toBe(join(dir, 'conf', 'certs', 'clients.pem'));
  });

  it('a cert_file that does not exist stops start-up, naming the resolved path', () => {
    const file = join(dir, 'deployment.toml');
    writeFileSync(file, '[transport.https]\ncert_file = "missing.pem"\nkey_file = "."\n');
    try {
      loadConfig(file);
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).issues).toEqual([
        { key: 'transport.https.cert_file', file, line: 2, message: `file not found: ${join(dir, 'missing.pem')}` },
        { key: 'transport.https.key_file', file, line: 3, message: `not a file: ${dir}` },
      ]);
    }
  });

  it('an explicitly named file that is missing is an error', () => {
    const file = join(dir, 'nope.toml');
    expect(() => loadConfig(file)).toThrow(ConfigError);
    expect(() => loadConfig(file)).toThrow(`${file}: file not found`);
  });

  it('a missing default ./deployment.toml means all defaults', () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const loaded = loadConfig();
      expect(loaded.file).toBeNull();
      expect(loaded.dir).toBe(process.cwd());
      expect(loaded.config.transport.https.port).toBe(9443);
      expect(loaded.config.server.data_dir).toBe(join(process.cwd(), 'data'));
    } finally {
      process.chdir(cwd);
    }
  });

  it('reads ./deployment.toml by default when present', () => {
    writeFileSync(join(dir, 'deployment.toml'), '[transport.https]\nport = 0\n');
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const loaded = loadConfig();
      expect(loaded.file).toBe(join(process.cwd(), 'deployment.toml'));
      expect(loaded.config.transport.https.port).toBe(0);
    } finally {
      process.chdir(cwd);
    }
  });
});
