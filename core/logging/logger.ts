/**
 * pino, with the values that must never reach a log line redacted wherever they appear in an
 * object: secrets, passwords, private keys, full tokens, credentials headers.
 *
 * The redaction is the one pino's `redact` option gave with the paths `key`, `*.key` and `*.*.key`
 * for every key below (censor "[redacted]"), done by a formatter instead: pino's wildcard paths
 * cloned every logged object and cost about five times the rest of the line, and the server writes
 * an audit line for every client authentication and every token issued.
 */
import pino from 'pino';
import pinoPretty from 'pino-pretty';
import type { Logger } from '../api/plugin-context.ts';

/** `[logging] format`: auto is pretty on a terminal and JSON lines everywhere else. */
export type LogFormat = 'json' | 'pretty' | 'auto';

const SECRET_KEYS = [
  'password', 'client_secret', 'secret', 'access_token', 'refresh_token', 'id_token', 'code', 'code_verifier',
  'token', 'privateJwk', 'privateKey', 'keyPem', 'key', 'authorization', 'cookie',
];
const SECRETS = new Set(SECRET_KEYS);
const CENSOR = '[redacted]';
/** `key` at the top, `*.key` one level down, `*.*.key` two levels down: keys at depth 0, 1 and 2. */
const DEEPEST = 2;

/**
 * stdout is written in blocks of up to 4 KiB, at least every 100 ms: one write per line (two audit
 * lines per token) was a system call each on the token endpoint. pino flushes what is left when the
 * process exits, also on a crash; only `kill -9` can lose the last 100 ms of lines.
 */
const BUFFER_BYTES = 4096;
const FLUSH_MS = 100;

/**
 * `format` decides the lines written: JSON (default when no terminal), or human-readable ones from
 * pino-pretty. Redaction happens before either, in the log formatter.
 */
export function createLogger(level: string, destination?: pino.DestinationStream, format: LogFormat = 'json'): Logger & pino.Logger {
  const pretty = format === 'pretty' || (format === 'auto' && destination === undefined && process.stdout.isTTY === true);
  const logger = pino(
    {
      level,
      base: { service: 'tessera' },
      formatters: { log: (object) => redactSecrets(object, 0) as Record<string, unknown> },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pretty ? prettyStream(destination) : destination ?? pino.destination({ fd: 1, sync: false, minLength: BUFFER_BYTES, periodicFlush: FLUSH_MS }),
  );
  // Child bindings are serialised once, when the child is made (pino gives children no bindings
  // formatter): redact them there. Children inherit this method, so grandchildren are covered too.
  type Child = (this: pino.Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions) => pino.Logger;
  const child = logger.child as unknown as Child;
  const redactedChild: Child = function (bindings, options) {
    return child.call(this, redactSecrets(bindings, 0) as pino.Bindings, options);
  };
  logger.child = redactedChild as unknown as typeof logger.child;
  return logger;
}

/**
 * Human-readable lines for a person at a terminal: local time, level, message, then the other members
 * indented. Written synchronously, unbuffered: a person reads them as they happen, and nobody
 * benchmarks a terminal.
 */
function prettyStream(destination: pino.DestinationStream | undefined): pino.DestinationStream {
  return pinoPretty({
    destination: destination ?? 1,
    sync: true,
    colorize: destination === undefined && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    singleLine: false,
  });
}

/**
 * `value` with every secret-named member down to DEEPEST replaced by the censor. Objects are copied
 * only where something is replaced; the caller's objects are never changed.
 */
export function redactSecrets(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  const source = value as Record<string, unknown>;
  let copy: Record<string, unknown> | null = null;
  for (const key of Object.keys(source)) {
    const member = source[key];
    let replacement: unknown = member;
    if (SECRETS.has(key)) {
      if (member !== undefined) replacement = CENSOR;
    } else if (depth < DEEPEST && member !== null && typeof member === 'object') {
      replacement = redactSecrets(member, depth + 1);
    }
    if (replacement !== member) {
      copy ??= copyOf(source);
      Object.defineProperty(copy, key, { value: replacement, enumerable: true, writable: true, configurable: true });
    }
  }
  return copy ?? value;
}

/** A shallow copy keeping what serialisation looks at: array-ness, prototype (Error), every own member. */
function copyOf(source: Record<string, unknown>): Record<string, unknown> {
  if (Array.isArray(source)) return source.slice() as unknown as Record<string, unknown>;
  const proto = Object.getPrototypeOf(source) as object | null;
  if (proto === Object.prototype || proto === null) return { ...source };
  const descriptors = Object.getOwnPropertyDescriptors(source);
  for (const descriptor of Object.values(descriptors)) descriptor.configurable = true;
  return Object.create(proto, descriptors) as Record<string, unknown>;
}
