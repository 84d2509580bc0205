// Steps that have not happened, with the reason when the data says it: not yet
// published, not yet consumed (and how far behind that consumer is), retrying,
// dead-lettered, or skipped because the consumer does not handle the type. Pure.
import type { FlowAttempt, FlowDeadLetter, FlowEvent, FlowInput, LagFigure, MissingStep } from './flow-types';

const seconds = (s: number) => (s >= 100 ? `${Math.round(s)} s` : `${Math.round(s * 10) / 10} s`);

function lagReason(consumer: string, lag: LagFigure | undefined): string {
  const base = `published, not yet consumed by ${consumer}`;
  if (!lag) return `${base} — no lag sample for ${consumer} yet`;
  if (lag.status === 'STOP') return `${base} — ${consumer} is stopped`;
  if (lag.secondsBehind !== null && lag.secondsBehind > 0) return `${base} — ${consumer} is ${seconds(lag.secondsBehind)} behind`;
  return `${base} — ${consumer} is not behind (lag status ${lag.status})`;
}

function attemptReason(consumer: string, last: FlowAttempt): string {
  const error = [last.errorClass, last.errorMessage].filter(Boolean).join(': ');
  return `retrying in ${consumer}: attempt ${last.attempt} failed${error ? ` (${error.slice(0, 200)})` : ''}`;
}

/** For one (event, consumer that handles it): why it is not done, or null when it is. */
function missingFor(event: FlowEvent, consumer: string, input: FlowInput, attempts: FlowAttempt[], letters: FlowDeadLetter[], lag?: LagFigure): MissingStep | null {
  const base = { lane: consumer, eventId: event.eventId, type: event.type };
  const last = attempts.at(-1);
  if (last && (last.outcome === 'ok' || last.outcome === 'duplicate')) return null;
  const open = letters.find((l) => l.status === 'open' || l.status === 'replaying');
  if (open) return { ...base, kind: 'dead-lettered', dlqId: open.id, reason: `dead-lettered by ${consumer}: ${open.errorCode}${open.status === 'replaying' ? ' (replay in progress)' : ''}` };
  if (last?.outcome === 'dead_lettered') return { ...base, kind: 'dead-lettered', reason: `dead-lettered by ${consumer}: ${last.errorClass ?? 'error'}` };
  if (last?.outcome === 'retry') return { ...base, kind: 'retrying', reason: attemptReason(consumer, last) };
  if (letters.some((l) => l.status === 'resolved' || l.status === 'discarded') || input.inbox.has(`${consumer}|${event.eventId}`)) return null;
  return { ...base, kind: 'not-consumed', reason: lagReason(consumer, lag) };
}

export function missingSteps(input: FlowInput): MissingStep[] {
  const missing: MissingStep[] = [];
  const lag = new Map(input.lag.map((l) => [l.consumer, l]));
  const attemptsOf = group(input.attempts, (a) => `${a.consumer}|${a.eventId}`);
  const lettersOf = group(input.deadLetters, (d) => `${d.consumer}|${d.eventId}`);
  for (const event of input.events) {
    if (!event.publishedAt) {
      const error = event.lastError ? `; last error: ${event.lastError.slice(0, 200)}` : '';
      missing.push({ kind: 'not-published', lane: 'outbox', eventId: event.eventId, type: event.type, reason: `not yet published (${event.publishAttempts} publish attempts${error})` });
      continue;
    }
    for (const consumer of input.consumers) {
      const key = `${consumer.name}|${event.eventId}`;
      if (!consumer.handles.includes(event.type)) {
        missing.push({ kind: 'skipped', lane: consumer.name, eventId: event.eventId, type: event.type, reason: `skipped: ${consumer.name} does not handle this type` });
        continue;
      }
      const step = missingFor(event, consumer.name, input, attemptsOf.get(key) ?? [], lettersOf.get(key) ?? [], lag.get(consumer.name));
      if (step) missing.push(step);
    }
  }
  return missing;
}

function group<T>(rows: readonly T[], keyOf: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const list = map.get(key);
    if (list) list.push(row);
    else map.set(key, [row]);
  }
  for (const list of map.values()) list.sort((a, b) => time(a) - time(b) || attemptNo(a) - attemptNo(b));
  return map;
}

const attemptNo = (row: unknown): number => (row as { attempt?: number }).attempt ?? 0;
const time = (row: unknown): number => {
  const r = row as { at?: Date; lastFailedAt?: Date };
  return (r.at ?? r.lastFailedAt)?.getTime() ?? 0;
};
