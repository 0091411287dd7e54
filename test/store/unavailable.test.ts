import { describe, expect, it } from 'vitest';
import { DuplicateKeyError, StoreUnavailableError } from '../../core/store/repositories.ts';
import { guard, guardRepository, isUnavailableError } from '../../core/store/unavailable.ts';

function withCode(code: string, message = 'failure'): Error {
  return Object.assign(new Error(message), { code });
}

describe('isUnavailableError', () => {
  it.each([
    ['refused connection', withCode('ECONNREFUSED')],
    ['reset connection', withCode('ECONNRESET')],
    ['PostgreSQL admin shutdown', withCode('57P01', 'terminating connection due to administrator command')],
    ['PostgreSQL cannot connect now', withCode('57P03', 'the database system is starting up')],
    ['PostgreSQL connection failure class 08', withCode('08006')],
    ['PostgreSQL too many connections', withCode('53300')],
    ['SQLite cannot open', withCode('SQLITE_CANTOPEN')],
    ['SQLite extended I/O error', withCode('SQLITE_IOERR_READ')],
    ['SQLite not a database', withCode('SQLITE_NOTADB')],
    ['SQLite busy past the timeout', withCode('SQLITE_BUSY')],
    ['node-postgres connection loss', new Error('Connection terminated unexpectedly')],
    ['node-postgres connect timeout', new Error('timeout exceeded when trying to connect')],
    ['several addresses refused', new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'connect failed')],
    ['wrapped cause', new Error('migration failed', { cause: withCode('ECONNREFUSED') })],
  ])('%s is unavailability', (_name, error) => {
    expect(isUnavailableError(error)).toBe(true);
  });

  it.each([
    ['unique violation', withCode('23505')],
    ['syntax error', withCode('42601')],
    ['SQLite constraint', withCode('SQLITE_CONSTRAINT_PRIMARYKEY')],
    ['duplicate key', new DuplicateKeyError('client x')],
    ['plain error', new Error('boom')],
    ['non-error', 'string'],
    ['null', null],
  ])('%s is not unavailability', (_name, error) => {
    expect(isUnavailableError(error)).toBe(false);
  });
});

describe('guard', () => {
  it('turns unavailability into StoreUnavailableError keeping the cause, and passes the rest through', async () => {
    const refused = withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1');
    const error = await guard(() => Promise.reject(refused)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).cause).toBe(refused);

    const duplicate = new DuplicateKeyError('user u');
    await expect(guard(() => Promise.reject(duplicate))).rejects.toBe(duplicate);
    await expect(guard(async () => 42)).resolves.toBe(42);
  });

  it('guardRepository covers every method, including synchronous throws, and keeps this', async () => {
    const repository = {
      value: 7,
      async ok(this: { value: number }) {
        return this.value;
      },
      async down(): Promise<void> {
        throw withCode('57P01');
      },
      syncThrow(): Promise<void> {
        throw withCode('ECONNRESET');
      },
    };
    const guarded = guardRepository(repository);
    await expect(guarded.ok()).resolves.toBe(7);
    await expect(guarded.down()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(guarded.syncThrow()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(guarded.value).toBe(7);
  });
});
