/** Lists in the store are replaced, never mutated: each helper returns a new array. */

export function upsertBy<T>(list: readonly T[], item: T, key: (item: T) => string): readonly T[] {
  const id = key(item);
  const index = list.findIndex((existing) => key(existing) === id);
  if (index === -1) return [...list, item];
  return list.map((existing, i) => (i === index ? item : existing));
}

export function removeBy<T>(list: readonly T[], id: string, key: (item: T) => string): readonly T[] {
  return list.filter((item) => key(item) !== id);
}

/** The key of every list item the service sends (sessions, handles, nodes, jobs). */
export const byId = (item: { readonly id: string }): string => item.id;
