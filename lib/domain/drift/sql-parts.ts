// The SQL fragments a drift check is made of, pure so they can be tested without a
// database. A row's canonical text is its compared columns as a row literal
// (ROW(...)::text: NULL and '' stay distinct, values are quoted when needed); its
// hash covers key and text; a key's bucket is the low bits of the key's hash.
// Both sides (the read model and its recomputation) go through the same fragments
// in the same session (TimeZone UTC), so equal content gives equal hashes.
export const DEFAULT_BUCKETS = 1024;

const IDENT = /^[a-z][a-z0-9_]{0,62}$/;

function column(alias: string, name: string): string {
  if (!IDENT.test(alias) || !IDENT.test(name)) throw new Error(`Invalid identifier: ${alias}.${name}`);
  return `${alias}."${name}"`;
}

export function checkedBuckets(buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 1 << 20 || (buckets & (buckets - 1)) !== 0) {
    throw new Error(`bucket count must be a power of two between 1 and 1048576, got ${buckets}`);
  }
  return buckets;
}

/** `ROW(t."a", t."b")::text`: the row's compared content, in a fixed column order. */
export function canonicalRowSql(alias: string, columns: readonly string[]): string {
  if (columns.length === 0) throw new Error('a drift check needs at least one compared column');
  return `ROW(${columns.map((c) => column(alias, c)).join(', ')})::text`;
}

/** The bucket (0 … buckets-1) of a row by its key. */
export function bucketSql(alias: string, keyColumn: string, buckets: number): string {
  return `(hashtextextended(${column(alias, keyColumn)}::text, 0) & ${checkedBuckets(buckets) - 1})::int`;
}

/** A 64-bit hash of key and content: XOR-ed per bucket (keys are unique, so XOR loses nothing that count would not show). */
export function rowHashSql(alias: string, keyColumn: string, columns: readonly string[]): string {
  return `hashtextextended(${column(alias, keyColumn)}::text || chr(30) || ${canonicalRowSql(alias, columns)}, 0)`;
}

/** Per bucket: row count and XOR of row hashes. */
export function bucketChecksumSql(table: string, keyColumn: string, columns: readonly string[], buckets: number): string {
  return `SELECT ${bucketSql('t', keyColumn, buckets)} AS bucket, count(*)::bigint AS n, bit_xor(${rowHashSql('t', keyColumn, columns)}) AS h
          FROM ${table} t GROUP BY 1`;
}
