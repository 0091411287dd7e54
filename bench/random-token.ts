/**
 * randomToken (core/crypto/random-token.ts) next to one randomBytes call per token, per call:
 *   node bin/run-ts.mjs bench/random-token.ts [--ms 1000] [--rounds 5]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { randomToken } from '../core/crypto/random-token.ts';

const { values } = parseArgs({ options: { ms: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '5' } } });
const ms = Number(values.ms);

function nsPerCall(fn: () => string): number {
  const warm = performance.now() + ms / 5;
  while (performance.now() < warm) fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
  }
  return ((performance.now() - start) * 1e6) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pooled: number[] = [];
const direct: number[] = [];
for (let r = 0; r < Number(values.rounds); r++) {
  pooled.push(nsPerCall(() => randomToken(32)));
  direct.push(nsPerCall(() => randomBytes(32).toString('base64url')));
}
const p = median(pooled);
const d = median(direct);
console.log(`randomToken(32): ${p.toFixed(0)} ns/call; randomBytes(32).toString('base64url'): ${d.toFixed(0)} ns/call; ratio direct/randomToken ${(d / p).toFixed(2)}`);
