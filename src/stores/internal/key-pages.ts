/**
 * Lists the keys that start with `prefix` from a backend read a page at a time in key order
 * (keyset pagination): `page(after)` returns up to `pageSize` keys in ascending order, all
 * greater than `after` (from the first when `after` is undefined). A shorter page is the last.
 *
 * With `contiguous`, pages hold every key from `prefix` on, so the first key without the
 * prefix ends the listing. Without it, pages may also hold keys the backend's filter let
 * through (a case-insensitive `LIKE`); those are skipped.
 */
export async function* keysInPages(
  prefix: string,
  pageSize: number,
  page: (after: string | undefined) => Promise<string[]>,
  { contiguous }: { contiguous: boolean },
): AsyncIterable<string> {
  let after: string | undefined;
  for (;;) {
    const keys = await page(after);
    for (const key of keys) {
      if (key.startsWith(prefix)) yield key;
      else if (contiguous) return;
    }
    const last = keys.at(-1);
    if (last === undefined || keys.length < pageSize) return;
    after = last;
  }
}
