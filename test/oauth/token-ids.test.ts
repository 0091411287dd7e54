/**
 * Opaque token values and row ids start with the issue time (so token-table inserts append to the
 * index); the value keeps 256 random bits and the id only the value's SHA-256.
 */
import { describe, expect, it } from 'vitest';
import { sha256Base64Url } from '../../core/crypto/sha256.ts';
import { newOpaqueToken, newTimeOrderedId, opaqueTokenId } from '../../core/tokens/token-ids.ts';
import { waitFor } from '../support/wait-for.ts';

describe('token ids', () => {
  it('gives an opaque value the time prefix, 32 random bytes, and an id of prefix + SHA-256(value)', () => {
    const before = Date.now();
    const { value, id } = newOpaqueToken();
    expect(value).toMatch(/^[0-9a-f]{12}[A-Za-z0-9_-]{43}$/);
    expect(parseInt(value.slice(0, 12), 16)).toBeGreaterThanOrEqual(before);
    expect(parseInt(value.slice(0, 12), 16)).toBeLessThanOrEqual(Date.now());
    expect(id).toBe(value.slice(0, 12) + sha256Base64Url(value));
    expect(id).not.toContain(value.slice(12));
    expect(opaqueTokenId(value)).toBe(id);
  });

  it('sorts ids made later after earlier ones, byte by byte (SQLite and PostgreSQL C order)', async () => {
    const first = newOpaqueToken().id;
    const jti = newTimeOrderedId(18);
    // The ids lead with the millisecond: wait until the process clock has moved on.
    const madeAt = Date.now();
    await waitFor(() => Date.now() > madeAt, Boolean, { intervalMs: 1, what: 'the next millisecond' });
    expect(Buffer.compare(Buffer.from(first), Buffer.from(newOpaqueToken().id))).toBe(-1);
    expect(Buffer.compare(Buffer.from(jti), Buffer.from(newTimeOrderedId(18)))).toBe(-1);
  });

  it('maps every other value — tokens issued before, garbage — to its bare SHA-256', () => {
    const legacy = 'q'.repeat(43);
    expect(opaqueTokenId(legacy)).toBe(sha256Base64Url(legacy));
    const upperCasePrefix = `ABCDEF012345${'x'.repeat(43)}`;
    expect(opaqueTokenId(upperCasePrefix)).toBe(sha256Base64Url(upperCasePrefix));
    expect(opaqueTokenId('')).toBe(sha256Base64Url(''));
  });

  it('never repeats', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newOpaqueToken().id));
    expect(ids.size).toBe(10_000);
  });
});
