// Encoding of the console's view state in the URL (sort, cursor, filters), so a
// pasted link opens the same view. Pure: the hooks in app/components/url-state.ts
// read and write search params through these.

export interface SortSpec {
  id: string;
  desc: boolean;
}

const SORT_ID = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/;

/** "createdAt" → ascending, "-createdAt" → descending; anything else → null. */
export function parseSort(value: string | null | undefined): SortSpec | null {
  if (!value) return null;
  const desc = value.startsWith('-');
  const id = desc ? value.slice(1) : value;
  return SORT_ID.test(id) ? { id, desc } : null;
}

export function encodeSort(sort: SortSpec | null): string | null {
  return sort ? `${sort.desc ? '-' : ''}${sort.id}` : null;
}

/** The next sort when a column header is activated: asc → desc → none (another column starts at its first direction). */
export function nextSort(current: SortSpec | null, id: string, firstDesc = false): SortSpec | null {
  if (!current || current.id !== id) return { id, desc: firstDesc };
  if (current.desc !== firstDesc) return null;
  return { id, desc: !firstDesc };
}

export type ParamChanges = Record<string, string | number | readonly string[] | null | undefined>;

/**
 * A query string ("?a=1&b=2", or "" when empty) from `current` with `changes` applied:
 * null, undefined, '' and [] remove a key; arrays are joined with commas. Keys in
 * `reset` are removed too (e.g. the page cursor when a filter or the sort changes).
 */
export function withParams(current: string | URLSearchParams, changes: ParamChanges, reset: readonly string[] = []): string {
  const next = new URLSearchParams(current);
  for (const key of reset) next.delete(key);
  for (const [key, value] of Object.entries(changes)) {
    const text = Array.isArray(value) ? value.join(',') : value === null || value === undefined ? '' : String(value);
    if (text === '') next.delete(key);
    else next.set(key, text);
  }
  next.sort();
  const query = next.toString();
  return query ? `?${query}` : '';
}

/** A comma-separated list param as an array ("queued,running" → ['queued', 'running']). */
export function parseList(value: string | null | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
