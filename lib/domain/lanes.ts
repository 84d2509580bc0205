// Outbox lanes: each subject maps to one of LANE_COUNT lanes. A relay holds a
// lane while it publishes, so several relays can run at once and every subject
// (aggregate) is still published in log order. Changing LANE_COUNT needs a
// drained outbox.
export const LANE_COUNT = 64;

/** FNV-1a 32-bit over the UTF-8 bytes of the subject, modulo LANE_COUNT. */
export function laneOf(subject: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(subject)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % LANE_COUNT;
}
