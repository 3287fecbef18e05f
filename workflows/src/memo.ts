/**
 * A pure function's results, kept by argument: for work that costs far more than a Map lookup and
 * is asked again and again with the same few arguments (a customer's phone number, the day of an
 * instant). At most `limit` results are kept; past that, all are forgotten and kept anew. A call
 * that throws keeps nothing.
 */
export function memo<A, R>(limit: number, fn: (arg: A) => R): (arg: A) => R {
  return memoBy(limit, (arg: A) => arg, fn);
}

/** The same for several arguments, kept by `key` (which must tell apart any two calls that differ). */
export function memoBy<A extends unknown[], K, R>(limit: number, key: (...args: A) => K, fn: (...args: A) => R): (...args: A) => R {
  const results = new Map<K, R>();
  return (...args) => {
    const k = key(...args);
    if (results.has(k)) return results.get(k) as R;
    const result = fn(...args);
    if (results.size >= limit) results.clear();
    results.set(k, result);
    return result;
  };
}
