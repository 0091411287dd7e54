/**
 * The CertificateValidator extension point as the PKI method runs it: validators see the path found
 * (leaf first, the anchor last) only after every other check passed, a refusal or a throwing
 * validator fails closed with invalid_client naming the validator. (End to end, over real TLS, with the certificate-revocation bundle:
 * plugins/certificate-revocation/test.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CertificatePath, CertificateValidator, Client, ClientCertificate, NamedComponent } from '../../../core/api/index.ts';
import { OAuthError } from '../../../core/api/index.ts';
import { DEFAULT_SERVER } from '../../../core/servers/server-context.ts';
import { type Issued, createCa, createLeaf, thumbprintOf } from '../../../test/support/pki.ts';
import { PkiMethod } from '../src/pki-method.ts';
import { createTrustStore } from '../src/trust-store.ts';
import { x509Service } from '../../../core/plugins/x509-service.ts';
import { installX509 } from '../src/x509.ts';
import { aClient } from '../../../test/support/client-builder.ts';

installX509(x509Service);

let root: Issued;
let intermediate: Issued;
let leaf: Issued;

beforeAll(async () => {
  root = await createCa({ subject: 'CN=Validator Root' });
  intermediate = await createCa({ subject: 'CN=Validator Issuing CA', issuer: root });
  leaf = await createLeaf({ issuer: intermediate, subject: 'CN=validated-client,O=Acme' });
});

const client = (fields: Partial<Client> = {}): Client =>
  aClient({ clientId: 'validated', tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: 'CN=validated-client,O=Acme', createdAt: 0, updatedAt: 0, ...fields });

const presented = (): ClientCertificate => ({ der: leaf.der, chain: [intermediate.der], source: 'tls', thumbprint: thumbprintOf(leaf.der) });

function method(...validators: [string, CertificateValidator][]): PkiMethod {
  const named: NamedComponent<CertificateValidator>[] = validators.map(([name, instance]) => ({ name, instance }));
  return new PkiMethod({ anchors: createTrustStore([root.der]), maxChainDepth: 5, checkExtendedKeyUsage: true, validators: named });
}

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    expect(OAuthError.is(err) && (err as OAuthError).error).toBe('invalid_client');
    return (err as OAuthError).reason;
  }
  throw new Error('accepted');
}

describe('CertificateValidator components in tls_client_auth', () => {
  it('are given the validated path, leaf first and the anchor last, in order, and may accept (sync or async)', async () => {
    const seen: [string, CertificatePath][] = [];
    await method(
      ['fx.First', { validate: (path) => (seen.push(['fx.First', path]), null) }],
      ['fx.Second', { validate: async (path) => (seen.push(['fx.Second', path]), null) }],
    ).verify(client(), presented(), 'tls_client_auth');
    expect(seen.map(([name]) => name)).toEqual(['fx.First', 'fx.Second']);
    const path = seen[0][1];
    expect(path.certificates.map((d) => Buffer.from(d))).toEqual([leaf.der, intermediate.der, root.der].map((d) => Buffer.from(d)));
    expect(path).toMatchObject({ clientId: 'validated', method: 'tls_client_auth', thumbprint: thumbprintOf(leaf.der), ...DEFAULT_SERVER });
  });

  it('a refusal is invalid_client with the validator named in the reason; later validators do not run', async () => {
    let laterRan = false;
    const reason = await refusal(
      method(['fx.Refuser', { validate: async () => ({ reason: 'certificate revoked: serial 01' }) }], ['fx.Later', { validate: () => ((laterRan = true), null) }]).verify(
        client(),
        presented(),
        'tls_client_auth',
      ),
    );
    expect(reason).toBe('certificate revoked: serial 01 (certificate validator fx.Refuser)');
    expect(laterRan).toBe(false);
  });

  it('a validator that throws or rejects fails closed (invalid_client, never a 500)', async () => {
    expect(await refusal(method(['fx.Broken', { validate: () => { throw new Error('boom'); } }]).verify(client(), presented(), 'tls_client_auth'))).toBe(
      'certificate validator fx.Broken failed: boom',
    );
    expect(await refusal(method(['fx.Rejects', { validate: () => Promise.reject(new Error('down')) }]).verify(client(), presented(), 'tls_client_auth'))).toBe(
      'certificate validator fx.Rejects failed: down',
    );
  });

  it('run only after every other check: a subject mismatch is refused without asking them', async () => {
    let ran = false;
    const reason = await refusal(method(['fx.Spy', { validate: () => ((ran = true), null) }]).verify(client({ tlsClientAuthSubjectDn: 'CN=someone-else' }), presented(), 'tls_client_auth'));
    expect(reason).toBe('subject DN mismatch');
    expect(ran).toBe(false);
  });
});
