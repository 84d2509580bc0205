/**
 * Maps over items with at most `limit` calls in flight: admin requests for 1,000 groups
 * run concurrently without opening 1,000 requests at once. Results keep input order;
 * a failure is returned in place (as `{ error }`) so one bad group spoils nothing else.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<(R | { error: unknown })[]> {
  const out = new Array<R | { error: unknown }>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (error) {
        out[i] = { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export function isFailure(value: unknown): value is { error: unknown } {
  return typeof value === 'object' && value !== null && 'error' in value && Object.keys(value).length === 1;
}
