/** Every key of `T`, taken from each member of a union (`keyof (A | B)` keeps only the shared keys). */
type KeysOfUnion<T> = T extends unknown ? keyof T : never;

/**
 * The option names of an options type, as the set `rejectUnknownOptions` takes. The object
 * must name every option of `T` and nothing else (the compiler checks both), so the set of
 * accepted names cannot drift from the documented type.
 */
export function optionNames<T>(names: Record<KeysOfUnion<T>, true>): ReadonlySet<string> {
  return new Set(Object.keys(names));
}
