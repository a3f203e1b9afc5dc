/**
 * The demo's user accounts: a JSON file (`users.json` in the data folder) holding usernames and
 * scrypt password hashes, seeded with one user on first run.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from './passwords.js';

/** The account created on first run, shown as a hint on the login page. */
export const SEED_USER = { username: 'alice', password: 'wonderland' } as const;

/** Longest username accepted, in characters. */
export const MAX_USERNAME_LENGTH = 64;
/** Shortest password accepted, in characters. */
export const MIN_PASSWORD_LENGTH = 8;
/** Longest password accepted, in characters (bounds the hashing work per request). */
export const MAX_PASSWORD_LENGTH = 256;

/** A stored account. */
export interface UserRecord {
  /** The name as the user typed it (NFC-normalized, trimmed). */
  username: string;
  /** `hashPassword` output. */
  passwordHash: string;
  /** ISO 8601 creation time. */
  createdAt: string;
}

interface UsersFile {
  users: UserRecord[];
}

/** Outcome of `UserStore.register`. */
export type RegisterResult = { ok: true; user: UserRecord } | { ok: false; error: string };

/** The canonical form of a username: NFC, without surrounding spaces. */
export function normalizeUsername(username: string): string {
  return username.normalize('NFC').trim();
}

/** Why a (normalized) username cannot be used, or `undefined` when it can. Any printable text goes. */
export function usernameProblem(username: string): string | undefined {
  const length = [...username].length;
  if (length === 0) return 'Choose a username.';
  if (length > MAX_USERNAME_LENGTH) return `Usernames have at most ${MAX_USERNAME_LENGTH} characters.`;
  if (/\p{Cc}/u.test(username)) return 'Usernames cannot contain control characters.';
  return undefined;
}

/** Why a password cannot be used, or `undefined` when it can. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `Passwords have at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Passwords have at most ${MAX_PASSWORD_LENGTH} characters.`;
  return undefined;
}

/** Usernames are unique regardless of case: "Alice" cannot sign up next to "alice". */
function keyOf(username: string): string {
  return username.toLowerCase();
}

/**
 * Accounts kept in a JSON file. Reads are served from memory; each change rewrites the file
 * through a temporary file and a rename, one change at a time, so the file is never half-written.
 */
export class UserStore {
  readonly #file: string;
  readonly #users: Map<string, UserRecord>;
  #writing: Promise<void> = Promise.resolve();

  private constructor(file: string, users: UserRecord[]) {
    this.#file = file;
    this.#users = new Map(users.map((user) => [keyOf(user.username), user]));
  }

  /** Opens the file, creating it (and its folder) with the seed user when it does not exist. */
  static async open(file: string): Promise<UserStore> {
    let users: UserRecord[];
    try {
      users = parseUsersFile(await readFile(file, 'utf8'), file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      const seed = { username: SEED_USER.username, passwordHash: await hashPassword(SEED_USER.password), createdAt: new Date().toISOString() };
      const store = new UserStore(file, [seed]);
      await store.#save();
      return store;
    }
    return new UserStore(file, users);
  }

  /** The account named `username` (any case), if any. */
  find(username: string): UserRecord | undefined {
    return this.#users.get(keyOf(normalizeUsername(username)));
  }

  /** Creates an account; fails with a message for the user when the name or password is unusable or taken. */
  async register(rawUsername: string, password: string): Promise<RegisterResult> {
    const username = normalizeUsername(rawUsername);
    const problem = usernameProblem(username) ?? passwordProblem(password);
    if (problem) return { ok: false, error: problem };
    if (this.#users.has(keyOf(username))) return { ok: false, error: 'That username is taken.' };
    const user: UserRecord = { username, passwordHash: await hashPassword(password), createdAt: new Date().toISOString() };
    // Checked again: another registration may have taken the name while this one was hashing.
    if (this.#users.has(keyOf(username))) return { ok: false, error: 'That username is taken.' };
    this.#users.set(keyOf(username), user);
    await this.#save();
    return { ok: true, user };
  }

  /** The account when `password` is right for `username`, else `undefined` (in similar time either way). */
  async authenticate(username: string, password: string): Promise<UserRecord | undefined> {
    const user = this.find(username);
    if (!user || password.length > MAX_PASSWORD_LENGTH) {
      await verifyAgainstDecoy(password.slice(0, MAX_PASSWORD_LENGTH));
      return undefined;
    }
    return (await verifyPassword(password, user.passwordHash)) ? user : undefined;
  }

  /** Writes every account to the file, after any write already under way. */
  #save(): Promise<void> {
    const body: UsersFile = { users: [...this.#users.values()] };
    const text = `${JSON.stringify(body, null, 2)}\n`;
    const write = async (): Promise<void> => {
      const temporary = `${this.#file}.${process.pid}.tmp`;
      await writeFile(temporary, text, { mode: 0o600 });
      await rename(temporary, this.#file);
    };
    this.#writing = this.#writing.then(write, write);
    return this.#writing;
  }
}

function parseUsersFile(text: string, file: string): UserRecord[] {
  const parsed = JSON.parse(text) as Partial<UsersFile> | null;
  const users = parsed?.users;
  const valid = Array.isArray(users) && users.every((u) => typeof u?.username === 'string' && typeof u.passwordHash === 'string');
  if (!valid) throw new Error(`${file} is not a users file of this demo; move it away to start afresh`);
  return users;
}
