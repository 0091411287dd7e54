/**
 * The logger's redaction is a formatter (cheap) rather than pino's `redact` option with wildcard
 * paths (which cloned every logged object). It must write exactly what the `redact` option wrote:
 * checked here against pino configured the old way, on hand-picked and on generated objects.
 */
import { Writable } from 'node:stream';
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logging/logger.ts';

const SECRET_KEYS = [
  'password', 'client_secret', 'secret', 'access_token', 'refresh_token', 'id_token', 'code', 'code_verifier',
  'token', 'privateJwk', 'privateKey', 'keyPem', 'key', 'authorization', 'cookie',
];

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        delete parsed.time;
        lines.push(parsed);
      }
      done();
    },
  });
  return { lines, sink };
}

/** The logger as it was configured before: pino's own redaction. */
function referenceLogger(sink: Writable) {
  return pino(
    {
      level: 'debug',
      base: { service: 'tessera' },
      redact: { paths: SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]), censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    sink,
  );
}

async function both(log: (logger: pino.Logger) => void) {
  const ours = capture();
  const theirs = capture();
  log(createLogger('debug', ours.sink));
  log(referenceLogger(theirs.sink));
  await new Promise((resolve) => setImmediate(resolve));
  return { ours: ours.lines, theirs: theirs.lines };
}

describe('log redaction', () => {
  it('censors secret members at the top, one and two levels down, like pino redact did', async () => {
    const event = {
      audit: { type: 'token.issued', clientId: 'app', details: { token: 'abc', grantType: 'password', nested: { token: 'deeper' } } },
      password: 'pw',
      authorization: null,
      list: [{ code: 'c1' }, 'x', { deep: { secret: 's' } }],
      err: Object.assign(new Error('boom'), { key: 'k' }),
      count: 3,
    };
    const { ours, theirs } = await both((logger) => logger.info(event, 'message'));
    expect(ours).toEqual(theirs);
    expect(JSON.stringify(ours)).not.toContain('"pw"');
    expect(JSON.stringify(ours)).not.toContain('"abc"');
    // The caller's object is left alone.
    expect(event.password).toBe('pw');
    expect(event.audit.details.token).toBe('abc');
  });

  it('censors child logger bindings too', async () => {
    const { ours, theirs } = await both((logger) => logger.child({ bundle: 'x', token: 't' }).info({ a: 1 }, 'hi'));
    expect(ours).toEqual(theirs);
    expect(JSON.stringify(ours)).not.toContain('"t"');
  });

  it('matches pino redact on generated objects', async () => {
    const key = fc.constantFrom(...SECRET_KEYS, 'type', 'clientId', 'details', 'a', 'b', '0');
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 3 }), fc.dictionary(key, tie('tree'), { maxKeys: 4 })),
    }));
    const objects = fc.sample(fc.dictionary(key, tree, { maxKeys: 5 }), 300);
    const { ours, theirs } = await both((logger) => {
      for (const object of objects) logger.info(object, 'generated');
    });
    expect(ours).toEqual(theirs);
  });
});
