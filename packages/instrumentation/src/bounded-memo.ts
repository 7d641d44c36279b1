/**
 * The memo the success path uses for what every call of one kind shares (attribute sets, parsed
 * base URLs): made once, then looked up. Bounded, so keys that never repeat (a model name per
 * call) cost a build per call rather than memory without end.
 */

/** `memo`'s value for `key`; made by `make` when missing, and kept while `memo` has fewer than `max`. */
export function memoized<K, V>(memo: Map<K, V>, key: K, max: number, make: (key: K) => V): V {
  let value = memo.get(key);
  if (value === undefined) {
    value = make(key);
    if (memo.size < max) memo.set(key, value);
  }
  return value;
}
