/**
 * Tokens signed with node:crypto (core/tokens/jws-sign.ts) verify with jose exactly as jose's own did,
 * and the synchronous verifier (jws-verify.ts) accepts them and nothing else.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { signJwt } from '../../core/tokens/jws-sign.ts';
import { verifyJwt } from '../../core/tokens/jws-verify.ts';

describe('signJwt', () => {
  for (const alg of ['ES256', 'RS256'] as const) {
    it(`${alg}: jose verifies the signature, header and claims`, async () => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const key = createPrivateKey({ key: (await exportJWK(privateKey)) as import('node:crypto').JsonWebKey, format: 'jwk' });
      const claims = { client_id: 'app', scope: 'a b', cnf: { 'x5t#S256': 'thumb' }, iss: 'https://as', sub: 'app', aud: ['app'], iat: 1, nbf: 1, exp: 4102444800, jti: 'j' };
      const token = signJwt({ alg, typ: 'at+jwt', kid: 'k1' }, claims, key);
      const { payload, protectedHeader } = await jwtVerify(token, publicKey, { algorithms: [alg], typ: 'at+jwt', issuer: 'https://as', currentDate: new Date(2000, 0, 1) });
      expect(protectedHeader).toEqual({ alg, typ: 'at+jwt', kid: 'k1' });
      expect(payload).toEqual(claims);

      // Same header and claims as jose's SignJWT wrote for the same input.
      const joseToken = await new SignJWT({ client_id: 'app', scope: 'a b', cnf: { 'x5t#S256': 'thumb' } })
        .setProtectedHeader({ alg, typ: 'at+jwt', kid: 'k1' })
        .setIssuer('https://as').setSubject('app').setAudience(['app']).setIssuedAt(1).setNotBefore(1).setExpirationTime(4102444800).setJti('j')
        .sign(privateKey);
      expect(token.split('.').slice(0, 2)).toEqual(joseToken.split('.').slice(0, 2));
      expect(decodeProtectedHeader(token)).toEqual(decodeProtectedHeader(joseToken));
    });
  }

  it('refuses verification when a byte of the token changes', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const key = createPrivateKey({ key: (await exportJWK(privateKey)) as import('node:crypto').JsonWebKey, format: 'jwk' });
    const token = signJwt({ alg: 'ES256', typ: 'JWT', kid: 'k' }, { sub: 'a', exp: 4102444800 }, key);
    const [h, p, s] = token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: 'b', exp: 4102444800 })).toString('base64url')}.${s}`;
    await expect(jwtVerify(tampered, publicKey)).rejects.toThrow();
    expect(p).not.toBe(tampered.split('.')[1]);
  });
});

describe('verifyJwt', () => {
  const now = 1_700_000_000;
  const expect_ = { alg: 'ES256' as const, typ: 'at+jwt', issuer: 'https://as', clockTolerance: 30, now };
  const claims = { iss: 'https://as', sub: 'app', iat: now, nbf: now, exp: now + 3600, jti: 'j' };

  async function keyPair(alg: 'ES256' | 'RS256' = 'ES256') {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    const priv = createPrivateKey({ key: (await exportJWK(privateKey)) as import('node:crypto').JsonWebKey, format: 'jwk' });
    return { priv, pub: createPublicKey(priv) };
  }
  const seg = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('accepts what signJwt wrote, for ES256 and RS256', async () => {
    for (const alg of ['ES256', 'RS256'] as const) {
      const { priv, pub } = await keyPair(alg);
      const token = signJwt({ alg, typ: 'at+jwt', kid: 'k' }, claims, priv);
      expect(verifyJwt(token, pub, { ...expect_, alg })).toEqual(claims);
    }
  });

  it('refuses other keys, algorithms, headers, issuers and times', async () => {
    const { priv, pub } = await keyPair();
    const other = await keyPair();
    const good = signJwt({ alg: 'ES256', typ: 'at+jwt', kid: 'k' }, claims, priv);
    const [h, p, s] = good.split('.');
    expect(verifyJwt(good, other.pub, expect_)).toBeNull();
    expect(verifyJwt(good, pub, { ...expect_, alg: 'RS256' })).toBeNull();
    expect(verifyJwt(good, pub, { ...expect_, issuer: 'https://other' })).toBeNull();
    expect(verifyJwt(good, pub, { ...expect_, now: now + 3600 + 30 })).toBeNull();
    expect(verifyJwt(good, pub, { ...expect_, now: now - 31 })).toBeNull();
    expect(verifyJwt(good, pub, { ...expect_, now: now - 29 })).not.toBeNull();
    // alg none, an extra header member, another typ, a changed payload, garbage.
    expect(verifyJwt(`${seg({ alg: 'none', typ: 'at+jwt', kid: 'k' })}.${p}.`, pub, expect_)).toBeNull();
    expect(verifyJwt(signJwt({ alg: 'ES256', typ: 'at+jwt', kid: 'k', crit: ['x'] } as never, claims, priv), pub, expect_)).toBeNull();
    expect(verifyJwt(signJwt({ alg: 'ES256', typ: 'JWT', kid: 'k' }, claims, priv), pub, expect_)).toBeNull();
    expect(verifyJwt(`${h}.${seg({ ...claims, sub: 'evil' })}.${s}`, pub, expect_)).toBeNull();
    expect(verifyJwt(`${h}.${p}`, pub, expect_)).toBeNull();
    expect(verifyJwt('a.b.c', pub, expect_)).toBeNull();
    expect(verifyJwt(signJwt({ alg: 'ES256', typ: 'at+jwt', kid: 'k' }, { ...claims, exp: undefined }, priv), pub, expect_)).toBeNull();
    expect(verifyJwt(signJwt({ alg: 'ES256', typ: 'at+jwt', kid: 'k' }, { ...claims, nbf: now + 31 }, priv), pub, expect_)).toBeNull();
  });
});
