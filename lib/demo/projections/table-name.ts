/** Read-model table names come from code (and later the projection registry), never from users; checked anyway before use in SQL. */
export function checkedTableName(name: string): string {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(name)) throw new Error(`Invalid read-model table name: ${name}`);
  return `"${name}"`;
}
