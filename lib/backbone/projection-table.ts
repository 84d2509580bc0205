// Read-model table names come from code and the projection registry, never from
// users; checked anyway before they are spliced into SQL. Column names likewise.
const IDENT = /^[a-z][a-z0-9_]{0,62}$/;

export function checkedTableName(name: string): string {
  if (!IDENT.test(name)) throw new Error(`Invalid read-model table name: ${name}`);
  return `"${name}"`;
}

export function checkedColumn(name: string): string {
  if (!IDENT.test(name)) throw new Error(`Invalid column name: ${name}`);
  return `"${name}"`;
}
