/**
 * What a StoreError shows and keeps: the driver's reason (also of an AggregateError), never a
 * password of a URL, and the driver's error itself as `cause`; and the listeners that keep a
 * driver's `'error'` event from stopping the process.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { errorReason, redactCredentials } from '../../src/internal/error-text.js';
import { absorbErrorEvents, absorbPoolErrorEvents } from '../../src/stores/internal/error-events.js';
import { StorageMissingError } from '../../src/stores/internal/errors.js';

describe('StoreError', () => {
  it('never shows the password of a URL, from the driver or from the detail, and keeps the driver error as cause', () => {
    const driverError = new Error('getaddrinfo ENOTFOUND for mysql://app:s3cr%40t@db.internal:3306/app');
    const error = new StoreError('sql (mysql)', 'load', driverError);
    expect(error.message).toBe('The sql (mysql) session store failed during load: getaddrinfo ENOTFOUND for mysql://app:***@db.internal:3306/app');
    expect(error.cause).toBe(driverError);
    const detailed = new StoreError('redis', 'connect', driverError, 'cannot connect to rediss://:hunter2@cache:6380/0: refused');
    expect(detailed.message).toBe('The redis session store failed during connect: cannot connect to rediss://:***@cache:6380/0: refused');
    expect(detailed.message).not.toContain('hunter2');
  });

  it('gives the reasons of an AggregateError (every address of localhost refused) and the code of a bare error', () => {
    const refused = (address: string): Error => Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    const aggregate = new AggregateError([refused('::1:5432'), refused('127.0.0.1:5432'), refused('127.0.0.1:5432')], '');
    expect(new StoreError('sql (postgres)', 'ready', aggregate).message).toBe(
      'The sql (postgres) session store failed during ready: connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432',
    );
    expect(errorReason(Object.assign(new Error(''), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(errorReason('plain text')).toBe('plain text');
  });

  it('says what storage is missing, as a StoreError', () => {
    const error = new StorageMissingError('sqlite', 'ready', 'the database file /data/sessions.db', 'createTable');
    expect(error).toBeInstanceOf(StoreError);
    expect(error.missing).toBe('the database file /data/sessions.db');
    expect(error.message).toBe(
      'The sqlite session store failed during ready: the database file /data/sessions.db does not exist, and createTable is false, so it is not created',
    );
  });
});

describe('redactCredentials', () => {
  it('replaces the password of every URL, and nothing else', () => {
    expect(redactCredentials('postgres://user:pass@host/db')).toBe('postgres://user:***@host/db');
    expect(redactCredentials('a redis://:pw@h:1 and mongodb+srv://u:p%2Fq@cluster/x')).toBe('a redis://:***@h:1 and mongodb+srv://u:***@cluster/x');
    expect(redactCredentials('mysql://app:p@ss@db/app')).toBe('mysql://app:***@db/app');
    for (const untouched of ['postgres://user@host/db', 'memcached://h:1,h:2', 'http://host:8080/path?a=b@c', 'user:pass@host']) {
      expect(redactCredentials(untouched)).toBe(untouched);
    }
  });
});

describe("driver 'error' events", () => {
  it('an emitter given a listener no longer stops the process when it emits error, and gets one listener however often', () => {
    const emitter = new EventEmitter();
    expect(() => emitter.emit('error', new Error('boom'))).toThrow('boom');
    absorbErrorEvents(emitter);
    absorbErrorEvents(emitter);
    expect(emitter.listenerCount('error')).toBe(1);
    expect(() => emitter.emit('error', new Error('boom'))).not.toThrow();
  });

  it('a pool passes the listener to every connection it hands out, once each', () => {
    const pool = new EventEmitter();
    absorbPoolErrorEvents(pool, ['connect', 'acquire']);
    absorbPoolErrorEvents(pool, ['connect', 'acquire']);
    expect(pool.listenerCount('connect')).toBe(1);
    const connection = new EventEmitter();
    pool.emit('connect', connection);
    pool.emit('acquire', connection);
    pool.emit('acquire', connection);
    expect(connection.listenerCount('error')).toBe(1);
    expect(() => connection.emit('error', new Error('server gone'))).not.toThrow();
    expect(() => pool.emit('error', new Error('idle client lost'))).not.toThrow();
  });
});
