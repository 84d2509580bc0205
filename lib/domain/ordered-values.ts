// A closed set of string values in order, least first (roles, check states): whether a
// value belongs to it, and where it ranks. Written once for every such scale.
export interface OrderedValues<T extends string> {
  readonly values: readonly T[];
  is(value: unknown): value is T;
  /** 0 for the first value, 1 for the next, … */
  rank(value: T): number;
}

export function orderedValues<T extends string>(values: readonly T[]): OrderedValues<T> {
  const ranks = new Map<string, number>(values.map((v, i) => [v, i]));
  return {
    values,
    is: (value: unknown): value is T => typeof value === 'string' && ranks.has(value),
    rank: (value: T) => ranks.get(value) ?? -1,
  };
}
