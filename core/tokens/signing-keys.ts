/**
 * Signing keys per authorization server: generated on first use, kept in the store (so every node
 * behind a load balancer signs and verifies with the same keyset), published at /jwks, rotatable.
 * Imported keys are cached. A rotation on any node reaches the others through the invalidation bus
 * (`forget`); should that event be lost, the cache is reloaded after MAX_AGE_MS anyway, and an
 * unknown `kid` reloads it at most once per RELOAD_MS, so a key rotated on another node verifies
 * without a flood of queries for forged kids.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { LRUCache } from 'lru-cache';
import type { ServerRef } from '../api/model.ts';
import type { SigningKeyRecord, Store } from '../store/repositories.ts';
import { type KeyWrapper, unwrapStored } from '../crypto/key-wrapping.ts';
import { randomToken } from '../crypto/random-token.ts';
import { epochSeconds, systemClock, type Clock } from '../time/clock.ts';

export type SigningAlg = 'ES256' | 'RS256';

type Key = CryptoKey | Uint8Array;

interface LoadedKey {
  kid: string;
  alg: SigningAlg;
  privateKey: Key;
  /** The private key for node:crypto (jws-sign.ts signs with it). */
  signingKey: KeyObject;
  publicKey: Key;
  /** The public key for node:crypto (jws-verify.ts verifies with it). */
  verifyKey: KeyObject;
  publicJwk: JWK;
  current: boolean;
  rotatedAt: number | null;
}

/** A key as the admin API shows it: no key material. */
export interface KeyState {
  kid: string;
  alg: SigningAlg;
  createdAt: number;
  rotatedAt: number | null;
  /** Signs new tokens. */
  current: boolean;
  /** In the JWKS (current, or rotated out less than a week ago). */
  published: boolean;
}

interface ServerKeys {
  loadedAt: number;
  keys: LoadedKey[];
}

const RELOAD_MS = 5_000;
const MAX_CACHED_SERVERS = 10_000;
/** Longest use of a cached keyset: bounds signing with a rotated-out key when an invalidation is lost. */
const MAX_AGE_MS = 60_000;
/** A rotated key stays published this long so tokens it signed still verify. */
const RETIRED_KEY_PUBLISHED_SECONDS = 7 * 24 * 3600;

export class SigningKeys {
  /**
   * By server; only servers the directory found reach here, and at most MAX_CACHED_SERVERS are kept
   * (least recently used first out), so made-up server ids in URLs cannot grow it.
   */
  private readonly cache = new LRUCache<string, { startedAt: number; keys: Promise<ServerKeys> }>({ max: MAX_CACHED_SERVERS });
  /** Creations in flight: one per (server, algorithm), gone once settled. */
  private readonly creating = new Map<string, Promise<LoadedKey | undefined>>();

  /** `wrapper`: from `[server] key_encryption_key_file`; null = private keys stored as plain JWK. */
  constructor(
    private readonly store: Store,
    private readonly wrapper: KeyWrapper | null = null,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Reads every stored key of `server` once: a key that cannot be unwrapped fails here, at start. */
  async checkReadable(server: ServerRef): Promise<void> {
    for (const record of await this.store.keys.list(server)) privateJwkOf(record, this.wrapper);
  }

  /** The current key for `alg`, created on first use. */
  async current(server: ServerRef, alg: SigningAlg): Promise<LoadedKey> {
    const key = pickCurrent((await this.load(server)).keys, alg) ?? (await this.create(server, alg));
    if (!key) throw new Error(`no ${alg} signing key for ${server.tenantId}/${server.serverId}`);
    return key;
  }

  /**
   * Creates the first key for `alg`. Concurrent first requests share one creation: without that,
   * each generated and stored its own key, and they signed with different kids until the cache settled.
   */
  private create(server: ServerRef, alg: SigningAlg): Promise<LoadedKey | undefined> {
    const creationKey = `${server.tenantId}/${server.serverId}/${alg}`;
    let creating = this.creating.get(creationKey);
    if (!creating) {
      creating = (async () => {
        // Another node (or an earlier creation) may have stored one since our cache was filled.
        let key = pickCurrent((await this.load(server, true)).keys, alg);
        if (!key) {
          await this.store.keys.add(await generateRecord(server, alg, this.wrapper, epochSeconds(this.clock)));
          key = pickCurrent((await this.load(server, true)).keys, alg);
        }
        return key;
      })().finally(() => this.creating.delete(creationKey));
      this.creating.set(creationKey, creating);
    }
    return creating;
  }

  async verificationKey(server: ServerRef, kid: string): Promise<LoadedKey | null> {
    const keys = await this.load(server);
    const found = keys.keys.find((k) => k.kid === kid);
    if (found) return found;
    if (this.clock.now() - keys.loadedAt < RELOAD_MS) return null;
    return (await this.load(server, true)).keys.find((k) => k.kid === kid) ?? null;
  }

  /** Creates the keys of both algorithms if absent (at start, and before the first publication). */
  async ensureKeys(server: ServerRef): Promise<void> {
    await Promise.all([this.current(server, 'ES256'), this.current(server, 'RS256')]);
  }

  async publicJwks(server: ServerRef): Promise<{ keys: JWK[] }> {
    await this.ensureKeys(server);
    const now = epochSeconds(this.clock);
    const { keys } = await this.load(server);
    return {
      keys: keys
        .filter((k) => k.rotatedAt === null || now - k.rotatedAt < RETIRED_KEY_PUBLISHED_SECONDS)
        .map((k) => k.publicJwk),
    };
  }

  /** Every stored key of `server` with its state, without key material (the admin API lists them). */
  async inventory(server: ServerRef): Promise<KeyState[]> {
    await this.ensureKeys(server);
    const records = await this.store.keys.list(server);
    const now = epochSeconds(this.clock);
    return records.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      createdAt: r.createdAt,
      rotatedAt: r.rotatedAt,
      current: isNewestUnrotated(r, records),
      published: r.rotatedAt === null || now - r.rotatedAt < RETIRED_KEY_PUBLISHED_SECONDS,
    }));
  }

  /** Adds new current keys for both algorithms; the old ones stay published for verification. */
  async rotate(server: ServerRef): Promise<string[]> {
    const { keys } = await this.load(server, true);
    const now = epochSeconds(this.clock);
    const added: string[] = [];
    for (const alg of ['ES256', 'RS256'] as const) {
      const record = await generateRecord(server, alg, this.wrapper, epochSeconds(this.clock));
      await this.store.keys.add(record);
      added.push(record.kid);
      for (const old of keys.filter((k) => k.alg === alg && k.rotatedAt === null)) {
        await this.store.keys.markRotated(server, old.kid, now);
      }
    }
    await this.load(server, true);
    return added;
  }

  /** Drops the cached keys of `server` (changed on some node), or all of them. */
  forget(server?: ServerRef): void {
    if (server) this.cache.delete(`${server.tenantId}/${server.serverId}`);
    else this.cache.clear();
  }

  private load(server: ServerRef, fresh = false): Promise<ServerKeys> {
    const cacheKey = `${server.tenantId}/${server.serverId}`;
    const cached = this.cache.get(cacheKey);
    if (cached && !fresh && this.clock.now() - cached.startedAt < MAX_AGE_MS) return cached.keys;
    const loading = this.store.keys.list(server).then(async (records) => ({
      loadedAt: this.clock.now(),
      keys: await Promise.all(records.map((record, _i, all) => importRecord(record, all, this.wrapper))),
    }));
    const entry = { startedAt: this.clock.now(), keys: loading };
    this.cache.set(cacheKey, entry);
    loading.catch(() => this.cache.peek(cacheKey) === entry && this.cache.delete(cacheKey));
    return loading;
  }
}

/** Two nodes may create a key at the same moment: `current` marks the same one on every node. */
function pickCurrent(keys: LoadedKey[], alg: SigningAlg): LoadedKey | undefined {
  return keys.find((k) => k.alg === alg && k.current);
}

/** The newest unrotated key of its algorithm (ties broken by kid) signs, so all nodes agree, also after a rotation. */
function isNewestUnrotated(record: SigningKeyRecord, all: readonly SigningKeyRecord[]): boolean {
  const newest = all
    .filter((r) => r.alg === record.alg && r.rotatedAt === null)
    .sort((a, b) => a.createdAt - b.createdAt || a.kid.localeCompare(b.kid))
    .at(-1);
  return newest?.kid === record.kid;
}

/** Additional data of a wrapped key: the record it belongs to. */
const wrapContext = (ref: ServerRef, kid: string) => `${ref.tenantId}/${ref.serverId}/${kid}`;

function privateJwkOf(record: SigningKeyRecord, wrapper: KeyWrapper | null): JWK {
  const what = `signing key ${record.kid} of ${record.tenantId}/${record.serverId}`;
  return JSON.parse(unwrapStored(record.privateJwk, wrapper, wrapContext(record, record.kid), what)) as JWK;
}

async function generateRecord(server: ServerRef, alg: SigningAlg, wrapper: KeyWrapper | null, createdAt: number): Promise<SigningKeyRecord> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const kid = randomToken(12);
  const meta = { kid, alg, use: 'sig' };
  const privateJwk = JSON.stringify({ ...(await exportJWK(privateKey)), ...meta });
  return {
    ...server,
    kid,
    alg,
    privateJwk: wrapper ? wrapper.wrap(privateJwk, wrapContext(server, kid)) : privateJwk,
    publicJwk: JSON.stringify({ ...(await exportJWK(publicKey)), ...meta }),
    createdAt,
    rotatedAt: null,
  };
}

async function importRecord(record: SigningKeyRecord, all: SigningKeyRecord[], wrapper: KeyWrapper | null): Promise<LoadedKey> {
  const publicJwk = JSON.parse(record.publicJwk) as JWK;
  const privateJwk = privateJwkOf(record, wrapper);
  return {
    kid: record.kid,
    alg: record.alg,
    privateKey: await importJWK(privateJwk, record.alg),
    signingKey: createPrivateKey({ key: privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' }),
    publicKey: await importJWK(publicJwk, record.alg),
    verifyKey: createPublicKey({ key: publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' }),
    publicJwk,
    current: isNewestUnrotated(record, all),
    rotatedAt: record.rotatedAt,
  };
}
