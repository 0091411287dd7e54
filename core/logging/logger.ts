/**
 * pino, with the values that must never reach a log line redacted wherever they appear in an
 * object: secrets, passwords, private keys, full tokens, credentials headers.
 */
import pino from 'pino';
import type { Logger } from '../api/plugin-context.ts';

const SECRET_KEYS = [
  'password', 'client_secret', 'secret', 'access_token', 'refresh_token', 'id_token', 'code', 'code_verifier',
  'token', 'privateJwk', 'privateKey', 'keyPem', 'key', 'authorization', 'cookie',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger & pino.Logger {
  return pino(
    {
      level,
      base: { service: 'tessera' },
      redact: { paths: SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]), censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
