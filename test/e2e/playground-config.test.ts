/**
 * The playground's settings (examples/playground/config.ts): the sample file loads, flags win, paths
 * resolve where the guide says, and mistakes stop it with a message that says what to do.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSelfSigned } from '../../core/certs/pki.ts';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { PlaygroundConfigError, loadPlaygroundConfig } from '../../examples/playground/config.ts';
import { thumbprintOf } from '../support/pki.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-playground-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('playground settings', () => {
  it('loads the sample file; flags win over it and resolve against the folder the command ran in', async () => {
    const cert = await createSelfSigned({ subject: 'CN=playground,O=Example' });
    writeFileSync(join(dir, 'client.pem'), cert.certPem);
    writeFileSync(join(dir, 'client-key.pem'), cert.keyPem);
    const config = loadPlaygroundConfig(
      ['--config', join(PROJECT_ROOT, 'examples', 'playground', 'playground.toml'), '--certificate', 'client.pem', '--key', 'client-key.pem', '--server-ca', 'client.pem', '--port', '0', '--introspection-auth', 'client'],
      dir,
    )!;
    expect(config).toMatchObject({
      port: 0,
      tesseraUrl: 'https://localhost:9443',
      clientId: 'playground',
      clientSecret: '',
      callbackUrl: '', // empty: main.ts derives http://localhost:PORT/oauth2client from the port
      scope: 'openid',
      grant: 'authorization_code',
      insecure: false,
      introspection: { auth: 'client', username: 'admin', password: 'admin' },
    });
    expect(config.tls).toMatchObject({ certificateFile: join(dir, 'client.pem'), thumbprint: thumbprintOf(cert.der), subject: 'CN=playground,O=Example' });
    expect(config.serverCa).toBe(cert.certPem);
  });

  it('resolves paths in a file against the file', async () => {
    const cert = await createSelfSigned({ subject: 'CN=other' });
    writeFileSync(join(dir, 'other.pem'), cert.certPem);
    writeFileSync(join(dir, 'other-key.pem'), cert.keyPem);
    writeFileSync(join(dir, 'p.toml'), 'certificate = "other.pem"\nkey = "other-key.pem"\ninsecure = true\ntessera_url = "https://id.example.com/acme/main/"\n');
    const config = loadPlaygroundConfig(['--config', 'p.toml'], dir)!;
    expect(config.tls?.certificateFile).toBe(join(dir, 'other.pem'));
    expect(config.tesseraUrl).toBe('https://id.example.com/acme/main');
    expect(config.insecure).toBe(true);
  });

  it.each([
    [['--certificate', 'client.pem'], /certificate and key go together/],
    [['--certificate', 'missing.pem', '--key', 'client-key.pem'], /certificate: no file .*missing\.pem \(make one with `npx tessera certs self-signed/],
    [['--certificate', 'client.pem', '--key', 'other-key.pem'], /key .*other-key\.pem: /],
    [['--grant', 'implicit'], /--grant must be one of authorization_code, client_credentials, password/],
    [['--tessera-url', 'http://localhost:9443'], /tessera_url must be an https:\/\/ URL/],
    [['--introspection-auth', 'root'], /--introspection-auth must be admin, client or none/],
    [['--nope'], /Unknown option '--nope'/],
  ])('refuses %j', (argv, message) => {
    expect(() => loadPlaygroundConfig(argv, dir)).toThrow(PlaygroundConfigError);
    expect(() => loadPlaygroundConfig(argv, dir)).toThrow(message);
  });

  it('names the key of a wrong value in the file, and unknown keys', () => {
    writeFileSync(join(dir, 'bad.toml'), 'port = "eighty"\n');
    expect(() => loadPlaygroundConfig(['--config', 'bad.toml'], dir)).toThrow(/bad\.toml: port: /);
    writeFileSync(join(dir, 'unknown.toml'), 'client = "x"\n');
    expect(() => loadPlaygroundConfig(['--config', 'unknown.toml'], dir)).toThrow(/unknown\.toml: .*client/);
  });

  it('returns null for --help', () => {
    expect(loadPlaygroundConfig(['--help'], dir)).toBeNull();
  });
});
