/**
 * RFC 9449 §8 server nonces, stateless: a nonce is base64url(HMAC-SHA256(secret, server | slot)), the
 * slot being the current time divided by the lifetime. Any node with the same secret issues and
 * accepts the same nonces without sharing state; one is accepted in its own slot and the next, so it
 * lives between one and two lifetimes. Nonces are per authorization server.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ServerRef } from '../../../core/api/index.ts';

export class NonceIssuer {
  constructor(
    private readonly secret: Uint8Array,
    private readonly lifetimeSeconds: number,
    /** Epoch seconds (injected: tests move it). */
    private readonly now: () => number,
  ) {}

  /** The nonce to hand out now. */
  current(server: ServerRef): string {
    return this.forSlot(server, this.slot());
  }

  /** Whether `nonce` was issued for this server in the current or the previous slot. */
  isValid(server: ServerRef, nonce: string): boolean {
    if (nonce.length !== 43) return false;
    const presented = Buffer.from(nonce);
    const slot = this.slot();
    return [slot, slot - 1].some((s) => timingSafeEqual(presented, Buffer.from(this.forSlot(server, s))));
  }

  private slot(): number {
    return Math.floor(this.now() / this.lifetimeSeconds);
  }

  private forSlot(server: ServerRef, slot: number): string {
    return createHmac('sha256', this.secret).update(`${server.tenantId}\u0000${server.serverId}\u0000${slot}`).digest('base64url');
  }
}
