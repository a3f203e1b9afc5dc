/**
 * What error messages may show of what they quote: a driver's reason, a connection string.
 * Every message sessionkit builds from such text goes through here, so none of them shows a
 * password.
 */

/**
 * `scheme://user:password@` in a URL: the password is everything between the first `:` after
 * `//` and the last `@` of the authority, which ends the user information (RFC 3986 §3.2.1:
 * `userinfo@host`; the authority ends at `/`, `?` or `#`). Greedy up to the last `@`, so a
 * password with an unencoded `@` is hidden whole.
 */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/)([^:@/?#\s]*):([^/?#\s]*)@/gi;

/** `text` with the password of every URL in it replaced by `***` (`postgres://app:***@db/app`). */
export function redactCredentials(text: string): string {
  return text.replace(URL_PASSWORD, (_match, scheme: string, user: string) => `${scheme}${user}:***@`);
}

/**
 * The reason an error gives, as one line of text: its message; for an `AggregateError` (Node.js
 * tries every address of `localhost` and reports each refusal) the distinct messages of the
 * errors it holds; its `code` when it has no message. Never redacted here: see
 * `redactCredentials`.
 */
export function errorReason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return [...new Set(error.errors.map(errorReason))].join('; ');
  if (error instanceof Error) {
    if (error.message !== '') return error.message;
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : error.name;
  }
  return String(error);
}
