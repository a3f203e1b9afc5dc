/**
 * The requests of the session concurrency tests (test/stores/session-concurrency.ts), shared by
 * the test process and its worker processes (fixtures/session-worker.ts): how a worker opens a
 * store on the same backend, and the one-request operations every test runs — push onto a cart
 * in place, `update()` a counter, flash, consume the flashes.
 */
import { pathToFileURL } from 'node:url';
import { ServerSessionInterface, type FlaskSessionFormat, type Session, type Store } from '../../../src/index.js';
import { openStore } from '../../../src/stores/from-url.js';
import type { StoreLayout } from '../../../src/stores/store.js';

/**
 * How another process opens a store on the same backend: a URL for `openStore`, or a module
 * (a path from the repository root) whose export, called with `args`, returns the store.
 */
export type ChildStore =
  | { readonly url: string; readonly layout?: StoreLayout }
  | { readonly module: string; readonly export: string; readonly args: readonly unknown[] };

/**
 * Deadline of a store call in a worker (give it in the `ChildStore`): a fresh process's first
 * call also loads the driver and connects, and several processes share a loaded 2-core machine.
 */
export const WORKER_STORE_TIMEOUT_MS = 60_000;

/** A store opened from a `ChildStore`, with what releases it. */
export type ClosableStore = Store & { close?(): Promise<void> };

/** Opens the store a `ChildStore` describes; `root` is the repository root. */
export async function openChildStore(recipe: ChildStore, root: string): Promise<ClosableStore> {
  if ('url' in recipe) return openStore(recipe.url, { layout: recipe.layout });
  const module = (await import(pathToFileURL(`${root}/${recipe.module}`).href)) as Record<string, unknown>;
  const factory = module[recipe.export];
  if (typeof factory !== 'function') throw new Error(`${recipe.module} exports no function ${recipe.export}`);
  return (await (factory as (...args: readonly unknown[]) => ClosableStore | Promise<ClosableStore>)(...recipe.args)) as ClosableStore;
}

/** The data of the sessions the tests share between requests. */
export interface SharedData {
  cart?: string[];
  n?: number;
  prefs?: Record<string, unknown>;
}

/** What the interfaces of every process of one test are given. */
export interface InterfaceSettings {
  readonly keyPrefix: string;
  readonly maxRetries: number;
  readonly sessionFormat?: FlaskSessionFormat;
}

/** A `ServerSessionInterface` on `store` with the test's settings. */
export function interfaceOn(store: Store, settings: InterfaceSettings, clock?: () => number): ServerSessionInterface<SharedData> {
  return new ServerSessionInterface<SharedData>({
    store,
    keyPrefix: settings.keyPrefix,
    maxRetries: settings.maxRetries,
    ...(settings.sessionFormat ? { serializationFormat: settings.sessionFormat } : {}),
    ...(clock ? { clock } : {}),
  });
}

/** One request: opens the session of `cookie`, loads it, runs `handler`, saves; resolves to what the handler returned. */
export async function request<R>(iface: ServerSessionInterface<SharedData>, cookie: string, handler: (session: Session<SharedData>) => R): Promise<R> {
  const session = iface.open(cookie);
  await session.load();
  const result = handler(session);
  await iface.save(session);
  return result;
}

/** The `name=value` pair of the first Set-Cookie header, as the next request's Cookie header. */
export function cookieFrom(setCookie: readonly string[]): string {
  const header = setCookie[0];
  if (header === undefined) throw new Error('the save sent no cookie');
  return header.slice(0, header.indexOf(';'));
}

/** The name of cart item `i`. */
export const itemName = (i: number): string => `item${i}`;
/** The message of flash `i`. */
export const flashMessage = (i: number): string => `flash${i}`;

/** Pushes item `i` onto the loaded cart in place. */
export const pushItem = (iface: ServerSessionInterface<SharedData>, cookie: string, i: number): Promise<void> =>
  request(iface, cookie, (session) => void session.get('cart')!.push(itemName(i)));

/** Adds one to the counter with `update`. */
export const increment = (iface: ServerSessionInterface<SharedData>, cookie: string): Promise<number> =>
  request(iface, cookie, (session) => session.update('n', (n = 0) => n + 1));

/** Flashes message `i`. */
export const flashOne = (iface: ServerSessionInterface<SharedData>, cookie: string, i: number): Promise<void> =>
  request(iface, cookie, (session) => session.flash(flashMessage(i)));

/** Consumes the flashes; resolves to their messages. */
export const consumeFlashes = (iface: ServerSessionInterface<SharedData>, cookie: string): Promise<string[]> =>
  request(iface, cookie, (session) => session.consumeFlashes().map((flash) => flash.message));

/** What the test process tells each worker (as JSON, the worker's only argument). */
export interface WorkerConfig {
  readonly store: ChildStore;
  readonly settings: InterfaceSettings;
  /** The cookies of the three sessions. */
  readonly cookies: { readonly cart: string; readonly counter: string; readonly flashes: string };
  /** The operations of this worker: it pushes, increments and flashes once for each. */
  readonly operations: readonly number[];
  /** Requests consuming the flashes this worker sends one after another, while its flashes run. */
  readonly consumeRounds: number;
}

/** What a worker prints when done (one JSON line). */
export interface WorkerReport {
  /** The flash messages its consuming requests got, in order. */
  readonly consumed: readonly string[];
}
