// Ids that are PostgreSQL uuids: checked before they reach SQL, so a malformed id is
// "not found" (404), never a failed cast (22P02, a 500).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
