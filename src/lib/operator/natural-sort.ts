/**
 * Natural order for names with numbers in them: "station 2" before "station 10", as a person
 * reads them, in Norwegian collation (æ, ø, å after z). Intl.Collator's numeric option does it.
 */
const collator = new Intl.Collator('nb', { numeric: true, sensitivity: 'base' });

export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b);
}

/** A sorted copy of `items` by `key`, in natural order. */
export function naturalSortBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...items].sort((x, y) => naturalCompare(key(x), key(y)));
}
