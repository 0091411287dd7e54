/**
 * Start-up errors a newcomer meets, as `tessera start` prints them: where (file:line, the key path
 * numbered as in every configuration message), what, and the likely fix — a suggested component
 * name, an unclosed string called one, a keystore refused with the command that converts it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../core/config/load-config.ts';
import { PROJECT_ROOT } from '../../core/runtime/start-server.ts';
import { createCa } from '../support/pki.ts';

const BIN = join(PROJECT_ROOT, 'bin', 'tessera.mjs');
const dir = mkdtempSync(join(tmpdir(), 'tessera-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `tessera start --config` on this text; it must refuse (exit 2) before listening. */
function refused(toml: string): string {
  const file = join(dir, 'deployment.toml');
  writeFileSync(file, `[server]\ndata_dir = "data"\n[transport.https]\nport = 0\nhost = "127.0.0.1"\n${toml}`);
  const res = spawnSync(process.execPath, [BIN, 'start', '--config', file], { encoding: 'utf8', timeout: 60_000, cwd: dir });
  expect(res.status, res.stdout + res.stderr).toBe(2);
  return res.stderr;
}

describe('a misspelled component name', () => {
  it('names file:line and the key, and suggests the name that exists', () => {
    const stderr = refused('\n[[event_listener]]\nname = "tessera.mtls.MutualTLSClientAuthenticatr"\n');
    expect(stderr).toContain(
      `${join(dir, 'deployment.toml')}:8: event_listener[0].name: no bundle in dropins/ provides "tessera.mtls.MutualTLSClientAuthenticatr" (did you mean "tessera.mtls.MutualTLSClientAuthenticator"?)`,
    );
  });

  it('suggests the qualified name for a bare class name, and counts entries as configuration errors do', () => {
    const stderr = refused('[[event_listener]]\nname = "tessera.mtls.introspection.CertificateBindingDataProvider"\n[[event_listener]]\nname = "MutualTLSClientAuthenticator"\n');
    expect(stderr).toMatch(/deployment\.toml:9: event_listener\[1\]\.name: no bundle in dropins\/ provides "MutualTLSClientAuthenticator" \(did you mean "tessera\.mtls\.MutualTLSClientAuthenticator"\?\)/);
    // The same entry with a wrong type: the same numbering from the configuration loader.
    const typeError = refused('[[event_listener]]\nname = "a"\n[[event_listener]]\nname = "b"\norder = "x"\n');
    expect(typeError).toMatch(/deployment\.toml:10: event_listener\[1\]\.order: /);
  });

  it('in a grant_handler too', () => {
    const stderr = refused('[oauth.grant_type.client_credentials]\ngrant_handler = "tessera.mtls.binding.ClientCredentialGrantHandler"\n');
    expect(stderr).toMatch(/deployment\.toml:7: oauth\.grant_type\.client_credentials\.grant_handler: no bundle in dropins\/ provides "tessera\.mtls\.binding\.ClientCredentialGrantHandler" \(did you mean "tessera\.mtls\.binding\.ClientCredentialsGrantHandler"\?\)/);
  });
});

describe('a TOML syntax error', () => {
  it('says line and column in plain words and shows the line', () => {
    const stderr = refused('[logging]\nlevel = "debug\n');
    expect(stderr).toContain(':7: TOML syntax error at line 7, column 9: the string that starts here is not closed before the end of the line');
    expect(stderr).toContain('      level = "debug\n              ^');
  });
});

/**
 * A JKS keystore holding trusted certificates, written as keytool writes one (version 2, entry tag
 * 2, SHA-1 integrity digest over the password as UTF-16BE, "Mighty Aphrodite" and the content).
 */
function jksWith(der: Uint8Array, password: string): Buffer {
  const utf = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(2);
    len.writeUInt16BE(b.length);
    return Buffer.concat([len, b]);
  };
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(Date.now()));
  const body = Buffer.concat([u32(0xfeedfeed), u32(2), u32(1), u32(2), utf('ca'), time, utf('X.509'), u32(der.length), Buffer.from(der)]);
  const digest = createHash('sha1').update(Buffer.from(password, 'utf16le').swap16()).update('Mighty Aphrodite').update(body).digest();
  return Buffer.concat([body, digest]);
}

describe('a truststore that is not PEM', () => {
  let caPem: string;
  beforeAll(async () => {
    const ca = await createCa({ subject: 'CN=Truststore CA' });
    caPem = ca.certPem;
    writeFileSync(join(dir, 'ca.pem'), caPem);
    writeFileSync(join(dir, 'client-truststore.jks'), jksWith(ca.der, 'changeit'));
    writeFileSync(join(dir, 'ca.der'), ca.der);
    execFileSync('openssl', ['pkcs12', '-export', '-nokeys', '-in', join(dir, 'ca.pem'), '-out', join(dir, 'truststore.p12'), '-passout', 'pass:changeit'], { stdio: 'pipe' });
  });

  const problemOf = (file: string) => {
    try {
      parseConfig(`[transport.https]\ntruststore = "${file}"\n`, join(dir, 'deployment.toml'));
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).issues;
    }
    throw new Error('accepted');
  };

  it('JKS: says Tessera wants PEM, with the keytool line that converts it', () => {
    const [issue] = problemOf('client-truststore.jks');
    expect(issue).toMatchObject({ key: 'transport.https.truststore', line: 2 });
    expect(issue.message).toBe(
      `${join(dir, 'client-truststore.jks')} is a Java keystore (JKS); Tessera wants PEM. Convert it (keytool comes with Java): ` +
        `keytool -list -rfc -keystore ${join(dir, 'client-truststore.jks')} -storepass changeit | sed -n '/-BEGIN/,/-END/p' > ${join(dir, 'client-truststore.pem')}`,
    );
  });

  it('PKCS#12 and DER: the openssl line, which really converts it into a truststore Tessera loads', () => {
    for (const [file, pattern] of [
      ['truststore.p12', /is a PKCS#12 keystore \(\.p12\/\.pfx\); Tessera wants PEM\. Convert it: (openssl pkcs12 .*\.pem)/],
      ['ca.der', /is a DER \(binary\) certificate; Tessera wants PEM\. Convert it: (openssl x509 .*\.pem)$/],
    ] as const) {
      const [issue] = problemOf(file);
      const command = pattern.exec(issue.message)?.[1];
      expect(command, issue.message).toBeDefined();
      execFileSync('bash', ['-c', `set -o pipefail; ${command}`], { cwd: dir, stdio: 'pipe' });
      const converted = join(dir, file.replace(/\.[^.]+$/, '.pem'));
      expect(readFileSync(converted, 'utf8').replace(/\r/g, '')).toBe(caPem);
      expect(parseConfig(`[transport.https]\ntruststore = "${converted}"\n`, join(dir, 'deployment.toml')).config.transport.https.truststore).toBe(converted);
    }
  });

  it('the same for [oauth.mutualtls] trust_anchors, and a PEM file passes', () => {
    try {
      parseConfig(`[oauth.mutualtls]\ntrust_anchors = "client-truststore.jks"\n`, join(dir, 'deployment.toml'));
      throw new Error('accepted');
    } catch (err) {
      expect((err as ConfigError).issues[0]).toMatchObject({ key: 'oauth.mutualtls.trust_anchors', line: 2, message: expect.stringContaining('is a Java keystore (JKS); Tessera wants PEM') });
    }
    expect(parseConfig(`[transport.https]\ntruststore = "ca.pem"\n`, join(dir, 'deployment.toml')).config.transport.https.truststore).toBe(join(dir, 'ca.pem'));
  });
});
