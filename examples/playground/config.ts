/**
 * The playground's settings: a TOML file (`--config`) and/or flags, flags winning. Paths in the file
 * are relative to the file; paths given as flags are relative to the folder the command was started
 * from (`npm run` moves to the package root, and says where it came from in INIT_CWD).
 */
import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';

export const GRANTS = ['authorization_code', 'client_credentials', 'password'] as const;
export type Grant = (typeof GRANTS)[number];

const fileSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.int().min(0).max(65535).default(8080),
  tessera_url: z.string().default('https://localhost:9443'),
  client_id: z.string().default(''),
  client_secret: z.string().default(''),
  certificate: z.string().default(''),
  key: z.string().default(''),
  callback_url: z.string().default(''),
  scope: z.string().default('openid'),
  grant: z.enum(GRANTS).default('authorization_code'),
  server_ca: z.string().default(''),
  insecure: z.boolean().default(false),
  introspection: z
    .strictObject({
      auth: z.enum(['admin', 'client', 'none']).default('admin'),
      username: z.string().default('admin'),
      password: z.string().default('admin'),
    })
    .prefault({}),
});

type FileSettings = z.output<typeof fileSchema>;

export interface PlaygroundConfig {
  host: string;
  port: number;
  /** Where Tessera serves /oauth2/... (https://localhost:9443, or https://localhost:9443/{tid}/{aid}). */
  tesseraUrl: string;
  clientId: string;
  clientSecret: string;
  /** PEM of the client certificate and its key, presented on every call to Tessera; null: none. */
  tls: { certificate: string; key: string; certificateFile: string; thumbprint: string; subject: string } | null;
  /** Empty: derived from the listening port, http://localhost:PORT/oauth2client. */
  callbackUrl: string;
  scope: string;
  grant: Grant;
  /** PEM bundle that verifies Tessera's HTTPS certificate; null: the system CAs. */
  serverCa: string | null;
  insecure: boolean;
  introspection: FileSettings['introspection'];
}

export class PlaygroundConfigError extends Error {}

export const USAGE = `Usage: npm run playground -- [--config playground.toml] [options]

  --config FILE            TOML file with the settings below (snake_case keys); flags win
  --port N                 port of the playground (default 8080; 0 = any free port)
  --host ADDR              address to listen on (default 127.0.0.1)
  --tessera-url URL        where Tessera serves /oauth2/... (default https://localhost:9443)
  --client-id ID           the client registered in Tessera
  --client-secret SECRET   optional: sent with client_secret_basic
  --certificate FILE       client certificate (PEM) presented over mutual TLS
  --key FILE               its private key (PEM)
  --callback-url URL       redirect_uri (default http://localhost:PORT/oauth2client)
  --scope SCOPE            default scope on the form (default openid)
  --grant GRANT            default grant on the form: authorization_code | client_credentials | password
  --server-ca FILE         CA (or self-signed certificate) of Tessera's HTTPS listener; default: system CAs
  --insecure               do not verify Tessera's HTTPS certificate (like curl -k)
  --introspection-auth M   admin (Basic, default) | client (the client authenticates) | none
  --admin-username NAME    for admin introspection (default admin)
  --admin-password PASS    for admin introspection (default admin)
`;

const FLAGS = {
  config: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'tessera-url': { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  certificate: { type: 'string' },
  key: { type: 'string' },
  'callback-url': { type: 'string' },
  scope: { type: 'string' },
  grant: { type: 'string' },
  'server-ca': { type: 'string' },
  insecure: { type: 'boolean' },
  'introspection-auth': { type: 'string' },
  'admin-username': { type: 'string' },
  'admin-password': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Reads flags and the config file. Returns null for --help. */
export function loadPlaygroundConfig(argv: string[], startDir = process.env.INIT_CWD ?? process.cwd()): PlaygroundConfig | null {
  let flags;
  try {
    flags = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new PlaygroundConfigError((err as Error).message);
  }
  if (flags.help) return null;

  let raw: Record<string, unknown> = {};
  let fileDir = startDir;
  if (flags.config) {
    // Relative to where the command was started, else to the checkout (where `npm run` runs it).
    const candidates = [resolve(startDir, flags.config), resolve(process.cwd(), flags.config)];
    const file = candidates.find((f) => existsSync(f));
    if (!file) throw new PlaygroundConfigError(`--config: no file ${candidates[0]}`);
    try {
      raw = parseToml(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new PlaygroundConfigError(`${file}: ${(err as Error).message}`);
    }
    fileDir = dirname(file);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PlaygroundConfigError(`${flags.config}: ${issue.path.join('.') || '(file)'}: ${issue.message}`);
  }
  const settings = parsed.data;
  const fromFile = (value: string) => (value === '' ? '' : isAbsolute(value) ? value : resolve(fileDir, value));
  const fromFlag = (value: string | undefined) => (value === undefined ? undefined : value === '' ? '' : resolve(startDir, value));

  const port = flags.port !== undefined ? Number(flags.port) : settings.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new PlaygroundConfigError('--port must be a port number');
  const grant = (flags.grant ?? settings.grant) as Grant;
  if (!GRANTS.includes(grant)) throw new PlaygroundConfigError(`--grant must be one of ${GRANTS.join(', ')}`);
  const introspectionAuth = flags['introspection-auth'] ?? settings.introspection.auth;
  if (introspectionAuth !== 'admin' && introspectionAuth !== 'client' && introspectionAuth !== 'none') {
    throw new PlaygroundConfigError('--introspection-auth must be admin, client or none');
  }

  const tesseraUrl = (flags['tessera-url'] ?? settings.tessera_url).replace(/\/+$/, '');
  if (!/^https:\/\//.test(tesseraUrl) || !URL.canParse(tesseraUrl)) throw new PlaygroundConfigError('tessera_url must be an https:// URL');
  const callbackUrl = flags['callback-url'] ?? settings.callback_url;
  if (callbackUrl !== '' && !URL.canParse(callbackUrl)) throw new PlaygroundConfigError('callback_url must be an absolute URL');

  const certificateFile = fromFlag(flags.certificate) ?? fromFile(settings.certificate);
  const keyFile = fromFlag(flags.key) ?? fromFile(settings.key);
  const serverCaFile = fromFlag(flags['server-ca']) ?? fromFile(settings.server_ca);

  return {
    host: flags.host ?? settings.host,
    port,
    tesseraUrl,
    clientId: flags['client-id'] ?? settings.client_id,
    clientSecret: flags['client-secret'] ?? settings.client_secret,
    tls: readClientCertificate(certificateFile, keyFile),
    callbackUrl,
    scope: flags.scope ?? settings.scope,
    grant,
    serverCa: serverCaFile ? readFile(serverCaFile, 'server_ca') : null,
    insecure: flags.insecure ?? settings.insecure,
    introspection: {
      auth: introspectionAuth,
      username: flags['admin-username'] ?? settings.introspection.username,
      password: flags['admin-password'] ?? settings.introspection.password,
    },
  };
}

const HINTS: Record<string, string> = {
  certificate: 'make one with `npx tessera certs self-signed --subject CN=playground`, or pass --certificate and --key; see docs/guides/playground.md',
  key: 'pass --key, next to --certificate',
  server_ca: "Tessera's own certificate is data/server-cert.pem next to its deployment.toml; pass --server-ca, or --insecure",
};

function readFile(file: string, what: string): string {
  if (!existsSync(file)) throw new PlaygroundConfigError(`${what}: no file ${file}${HINTS[what] ? ` (${HINTS[what]})` : ''}`);
  return readFileSync(file, 'utf8');
}

function readClientCertificate(certificateFile: string, keyFile: string): PlaygroundConfig['tls'] {
  if (!certificateFile && !keyFile) return null;
  if (!certificateFile || !keyFile) throw new PlaygroundConfigError('certificate and key go together: set both or neither');
  const certificate = readFile(certificateFile, 'certificate');
  const key = readFile(keyFile, 'key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certificate);
  } catch (err) {
    throw new PlaygroundConfigError(`certificate ${certificateFile}: not a PEM certificate (${(err as Error).message})`);
  }
  try {
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error('it belongs to another certificate');
  } catch (err) {
    throw new PlaygroundConfigError(`key ${keyFile}: ${(err as Error).message}`);
  }
  return { certificate, key, certificateFile, thumbprint: thumbprint(new Uint8Array(x509.raw)), subject: x509.subject.split('\n').reverse().join(',') };
}

/** RFC 8705 §3.1 x5t#S256, as Tessera computes it: the page compares the token's cnf with it. */
export function thumbprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}
