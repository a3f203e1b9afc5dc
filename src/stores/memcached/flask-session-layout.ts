/**
 * Flask-Session's layout in memcached: the item is the bare serialized session (flags 0), as
 * Flask-Session 0.8 writes it with `client.set(key, value, expire)`. There is no room for a
 * version, so the version is the item's CAS value (hex) and every write is a CAS write;
 * memcached alone enforces the expiry, which it cannot report, so `load` reports the record as
 * due for a refresh (`expiresAt` = now) and `touch` is memcached's `TOUCH` (CAS unchanged).
 */
import type { StoreRecord, UpdateResult } from '../store.js';
import { memcachedExptime } from './expiry.js';
import { getItem, Status, storeItemWithCas, touchItem, type MemcachedConnection as Connection } from './protocol.js';

/** Flags Flask-Session's memcached clients give a bytes value. */
const FLASK_FLAGS = 0;
const CAS_HEX = /^[0-9a-f]{16}$/;

/** Reads the item as a record, due for a refresh at `now`; its version is its CAS value. */
export async function loadBare(c: Connection, key: string, now: number): Promise<StoreRecord | null> {
  const fetched = await getItem(c.memjs, c.client, key);
  if (!fetched) return null;
  return { value: new Uint8Array(fetched.value), version: fetched.cas.toString('hex'), expiresAt: now };
}

/** `ADD` of the bare value, written at `now`; `null` when the key is taken. */
export async function createBare(c: Connection, key: string, value: Uint8Array, ttl: number, now: number): Promise<string | null> {
  const { status, cas } = await storeItemWithCas(c.memjs, c.client, 'add', key, {
    value,
    flags: FLASK_FLAGS,
    exptime: memcachedExptime(now + ttl, now),
  });
  return status === Status.ok ? cas.toString('hex') : null;
}

/** `SET` with the expected CAS value, written at `now`: applies only if nobody wrote since it was read. */
export async function updateBare(
  c: Connection,
  key: string,
  value: Uint8Array,
  expected: string,
  ttl: number,
  now: number,
): Promise<UpdateResult> {
  if (!CAS_HEX.test(expected)) return (await getItem(c.memjs, c.client, key)) ? { ok: false, reason: 'conflict' } : { ok: false, reason: 'missing' };
  const { status, cas } = await storeItemWithCas(c.memjs, c.client, 'set', key, {
    value,
    flags: FLASK_FLAGS,
    exptime: memcachedExptime(now + ttl, now),
    cas: Buffer.from(expected, 'hex'),
  });
  if (status === Status.ok) return { ok: true, version: cas.toString('hex') };
  if (status === Status.notFound) return { ok: false, reason: 'missing' };
  return { ok: false, reason: 'conflict' };
}

/** memcached's `TOUCH`, at `now`. */
export function touchBare(c: Connection, key: string, ttl: number, now: number): Promise<boolean> {
  return touchItem(c.memjs, c.client, key, memcachedExptime(now + ttl, now));
}
