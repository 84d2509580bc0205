// Causation as a tree: each event under the event whose handling emitted it
// (causation_id). An event whose cause is outside the loaded set (another trace,
// or none: a command) is a root. Pure.
import type { CausationNode, FlowEvent } from './flow-types';

export function causationTree(events: readonly FlowEvent[]): CausationNode[] {
  const byId = new Map(events.map((e) => [e.eventId, e]));
  const nodes = new Map<string, CausationNode>();
  const ordered = [...events].sort((a, b) => compareLog(a, b));
  for (const e of ordered) nodes.set(e.eventId, { eventId: e.eventId, type: e.type, subject: e.subject, at: e.createdAt, sinceParentMs: null, children: [] });
  const roots: CausationNode[] = [];
  for (const e of ordered) {
    const node = nodes.get(e.eventId)!;
    const parent = e.causationId && e.causationId !== e.eventId ? nodes.get(e.causationId) : undefined;
    if (!parent || createsCycle(byId, e)) {
      roots.push(node);
      continue;
    }
    node.sinceParentMs = e.createdAt.getTime() - parent.at.getTime();
    parent.children.push(node);
  }
  return roots;
}

/** Log order: position (the outbox's bigint sequence) compared as numbers. */
function compareLog(a: FlowEvent, b: FlowEvent): number {
  return a.position.length - b.position.length || (a.position < b.position ? -1 : a.position > b.position ? 1 : 0);
}

// Causation ids come from the wire: a hand-made cycle must not hide events.
function createsCycle(byId: ReadonlyMap<string, FlowEvent>, start: FlowEvent): boolean {
  const seen = new Set<string>([start.eventId]);
  let cause = start.causationId;
  while (cause) {
    if (seen.has(cause)) return true;
    seen.add(cause);
    cause = byId.get(cause)?.causationId ?? null;
  }
  return false;
}
