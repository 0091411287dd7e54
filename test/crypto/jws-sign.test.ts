/** Tokens signed with node:crypto (core/tokens/jws-sign.ts) verify with jose exactly as jose's own did. */
import { createPrivateKey } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { signJwt } from '../../core/tokens/jws-sign.ts';

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
