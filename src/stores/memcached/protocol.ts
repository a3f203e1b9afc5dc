/**
 * The memcached binary-protocol commands the store needs, sent through memjs' own request path
 * (`Client#perform`, which picks the server by key and handles sockets, timeouts and the
 * request sequence). memjs' high-level `get`/`set` hide the CAS value, so these build the
 * request with memjs' `Utils.makeRequestBuffer` and set the header's CAS field themselves.
 */

/** A memcached binary-protocol response, as memjs hands it to `perform` callbacks. */
export interface MemjsResponse {
  header: { status?: number; cas?: Buffer };
  extras: Buffer;
  val: Buffer;
}

/**
 * The part of a memjs `Client` (memjs 1.x) the store uses. Declared here so that sessionkit's
 * types do not depend on `@types/memjs`; a `memjs.Client.create(...)` fits it.
 */
export interface MemjsClient {
  /** Sequence number of the last request; `incrSeq()` advances it. */
  readonly seq: number;
  incrSeq(): void;
  perform(
    key: string,
    request: Buffer,
    seq: number,
    callback?: (error: Error | null, response: MemjsResponse | null) => void,
    retries?: number,
  ): void;
  close(): void;
  /**
   * Asks every server for its statistics; `callback` runs once per server. `ready()` uses it to
   * check that every server answers (without it, `ready()` asks one server).
   */
  stats?(callback: (error: Error | null, server: string, stats: Record<string, string> | null) => void): void;
  /** The servers the client spreads keys over. */
  readonly servers?: readonly unknown[];
  /** memjs' client options; the store only reads `failover`. */
  readonly options?: { readonly failover?: boolean | undefined };
}

/** What the store uses from the memjs module itself. */
export interface MemjsModule {
  Utils: {
    makeRequestBuffer(opcode: number, key: string | Buffer, extras: string | Buffer, value: string | Buffer, opaque: number): Buffer;
  };
}

/** A memcached store's connection: the memjs module (for its request builder) and a client. */
export interface MemcachedConnection {
  memjs: MemjsModule;
  client: MemjsClient;
}

/** Binary-protocol opcodes. */
export const Opcode = { get: 0x00, set: 0x01, add: 0x02, delete: 0x04, touch: 0x1c } as const;

/** Binary-protocol response statuses the store tells apart. */
export const Status = { ok: 0x00, notFound: 0x01, exists: 0x02, tooLarge: 0x03, notStored: 0x05 } as const;

const STATUS_TEXT: Record<number, string> = {
  0x03: 'value too large for the server (raise memcached -I)',
  0x04: 'invalid arguments',
  0x81: 'unknown command',
  0x82: 'out of memory',
  0x83: 'not supported',
  0x84: 'internal error',
  0x85: 'busy',
  0x86: 'temporary failure',
};

/** A memcached server answered a command with an error status. */
export class MemcachedStatusError extends Error {
  /** The binary-protocol status code. */
  readonly status: number;
  constructor(command: string, status: number) {
    super(`memcached answered ${command} with status 0x${status.toString(16)} (${STATUS_TEXT[status] ?? 'unexpected status'})`);
    this.name = 'MemcachedStatusError';
    this.status = status;
  }
}

/** An item as `GET` returns it. */
export interface FetchedItem {
  value: Buffer;
  flags: number;
  /** The item's CAS value (8 bytes), to make a later write conditional on it. */
  cas: Buffer;
}

/** Sends one request for `key` and resolves with the raw response. At most `attempts` tries. */
function send(client: MemjsClient, key: string, request: Buffer, seq: number, attempts: number): Promise<MemjsResponse> {
  return new Promise((resolve, reject) => {
    client.perform(
      key,
      request,
      seq,
      (error, response) => {
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else if (!response) reject(new Error('memcached closed the connection without an answer'));
        else resolve(response);
      },
      attempts,
    );
  });
}

function nextSeq(client: MemjsClient): number {
  client.incrSeq();
  return client.seq;
}

/**
 * `GET` with the item's CAS value; `null` when the key is absent. A read is idempotent, so memjs
 * may retry it once on a broken connection.
 */
export async function getItem(memjs: MemjsModule, client: MemjsClient, key: string): Promise<FetchedItem | null> {
  const seq = nextSeq(client);
  const request = memjs.Utils.makeRequestBuffer(Opcode.get, key, '', '', seq);
  const response = await send(client, key, request, seq, 2);
  const status = response.header.status ?? Status.ok;
  if (status === Status.notFound) return null;
  if (status !== Status.ok) throw new MemcachedStatusError('GET', status);
  const flags = response.extras.length >= 4 ? response.extras.readUInt32BE(0) : 0;
  return { value: response.val, flags, cas: Buffer.from(response.header.cas ?? Buffer.alloc(8)) };
}

/**
 * `SET` (with `cas`: only if the item still has that CAS value) or `ADD` (only if absent).
 * Returns the response status: `ok`, `exists` (CAS mismatch, or `ADD` of a present key),
 * `notFound` (CAS write to a vanished key) or `notStored`; other statuses throw. Writes are
 * never retried: a retry of a write that did land would report a false conflict.
 */
export async function storeItem(
  memjs: MemjsModule,
  client: MemjsClient,
  command: 'set' | 'add',
  key: string,
  item: { value: Uint8Array; flags: number; exptime: number; cas?: Buffer },
): Promise<number> {
  return (await storeItemWithCas(memjs, client, command, key, item)).status;
}

/** `storeItem`, also returning the CAS value memcached gave the stored item. */
export async function storeItemWithCas(
  memjs: MemjsModule,
  client: MemjsClient,
  command: 'set' | 'add',
  key: string,
  item: { value: Uint8Array; flags: number; exptime: number; cas?: Buffer },
): Promise<{ status: number; cas: Buffer }> {
  const seq = nextSeq(client);
  const extras = Buffer.alloc(8);
  extras.writeUInt32BE(item.flags >>> 0, 0);
  extras.writeUInt32BE(item.exptime >>> 0, 4);
  const value = Buffer.from(item.value.buffer, item.value.byteOffset, item.value.byteLength);
  const request = memjs.Utils.makeRequestBuffer(Opcode[command], key, extras, value, seq);
  // Header bytes 16..23 carry the CAS value; zero means unconditional.
  if (item.cas) item.cas.copy(request, 16, 0, 8);
  const response = await send(client, key, request, seq, 1);
  const status = response.header.status ?? Status.ok;
  if (status === Status.ok || status === Status.exists || status === Status.notFound || status === Status.notStored) {
    return { status, cas: Buffer.from(response.header.cas ?? Buffer.alloc(8)) };
  }
  throw new MemcachedStatusError(command.toUpperCase(), status);
}

/** `TOUCH`: a new expiry for an existing item, value and CAS untouched; false when absent. */
export async function touchItem(memjs: MemjsModule, client: MemjsClient, key: string, exptime: number): Promise<boolean> {
  const seq = nextSeq(client);
  const extras = Buffer.alloc(4);
  extras.writeUInt32BE(exptime >>> 0, 0);
  const request = memjs.Utils.makeRequestBuffer(Opcode.touch, key, extras, '', seq);
  const response = await send(client, key, request, seq, 1);
  const status = response.header.status ?? Status.ok;
  if (status === Status.notFound) return false;
  if (status !== Status.ok) throw new MemcachedStatusError('TOUCH', status);
  return true;
}

/** `DELETE`; absent keys are fine. */
export async function deleteItem(memjs: MemjsModule, client: MemjsClient, key: string): Promise<void> {
  const seq = nextSeq(client);
  const request = memjs.Utils.makeRequestBuffer(Opcode.delete, key, '', '', seq);
  const response = await send(client, key, request, seq, 1);
  const status = response.header.status ?? Status.ok;
  if (status !== Status.ok && status !== Status.notFound) throw new MemcachedStatusError('DELETE', status);
}

/**
 * Resolves once every server of `client` has answered a `STATS` request; rejects with the first
 * failure, naming its server. A client without `stats` is asked a `GET` of `probeKey` instead
 * (which reaches one server).
 */
export async function checkServers(memjs: MemjsModule, client: MemjsClient, probeKey: string): Promise<void> {
  const count = client.servers?.length ?? 0;
  if (!client.stats || count === 0) {
    await getItem(memjs, client, probeKey);
    return;
  }
  const stats = client.stats.bind(client);
  await new Promise<void>((resolve, reject) => {
    let answered = 0;
    stats((error, server) => {
      if (error) reject(new Error(`memcached at ${server}: ${error instanceof Error ? error.message : String(error)}`));
      else if (++answered === count) resolve();
    });
  });
}
