// One flow's timeline: every step in time order (outbox write, publish, each
// consumer's attempts, dead letters, replays, projection updates), one lane per
// consumer, the causation tree and the missing steps with their reasons. Pure:
// lib/read/get-trace-timeline.ts loads the rows, this puts them together.
import { causationTree } from './causation-tree';
import type { FlowAttempt, FlowEvent, FlowInput, Timeline, TimelineStep } from './flow-types';
import { missingSteps } from './missing-steps';

// Same instant: the order things happen in.
const KIND_ORDER: Record<TimelineStep['kind'], number> = { 'outbox-write': 0, publish: 1, attempt: 2, projection: 3, 'dead-letter': 4, replay: 5 };

function eventSteps(e: FlowEvent): TimelineStep[] {
  const steps: TimelineStep[] = [{ kind: 'outbox-write', at: e.createdAt, lane: 'outbox', eventId: e.eventId, type: e.type, subject: e.subject, position: e.position }];
  if (e.publishedAt && e.partition !== null && e.offset !== null) {
    const latencyMs = e.publishedAt.getTime() - e.createdAt.getTime();
    steps.push({ kind: 'publish', at: e.publishedAt, lane: 'outbox', eventId: e.eventId, topic: e.topic, partition: e.partition, offset: e.offset, latencyMs });
  }
  return steps;
}

function attemptStep(a: FlowAttempt, published: Date | null | undefined, input: FlowInput): TimelineStep {
  const failed = a.outcome === 'retry' || a.outcome === 'dead_lettered';
  return {
    kind: 'attempt',
    at: a.at,
    lane: a.consumer,
    eventId: a.eventId,
    startedAt: new Date(a.at.getTime() - a.durationMs),
    attempt: a.attempt,
    outcome: a.outcome,
    durationMs: a.durationMs,
    error: failed ? { class: a.errorClass, message: a.errorMessage } : null,
    replayed: input.isReplayTopic(a.topic),
    sincePublishMs: published ? a.at.getTime() - published.getTime() : null,
  };
}

/** A projection's applied attempt changed (or confirmed) the row its key function names, in its active table. */
function projectionStep(a: FlowAttempt, event: FlowEvent | undefined, input: FlowInput): TimelineStep | null {
  if (a.outcome !== 'ok' || !event) return null;
  const projection = input.consumers.find((c) => c.name === a.consumer)?.projection;
  if (!projection) return null;
  let key: string | null = null;
  try {
    key = projection.keyOf(event.envelope);
  } catch {
    key = null; // an envelope the key function cannot read: show the update without its row
  }
  return { kind: 'projection', at: a.at, lane: a.consumer, eventId: a.eventId, projection: a.consumer, table: projection.table, key: key ?? '(unknown)' };
}

function deadLetterSteps(input: FlowInput): TimelineStep[] {
  const jobs = new Map(input.jobs.map((j) => [j.id, j]));
  return input.deadLetters.flatMap((d): TimelineStep[] => [
    { kind: 'dead-letter', at: d.lastFailedAt, lane: d.consumer, eventId: d.eventId, dlqId: d.id, errorCode: d.errorCode, errorMessage: d.errorMessage, attempts: d.attemptCount, status: d.status },
    ...d.replays.map((r): TimelineStep => {
      const job = r.jobId ? jobs.get(r.jobId) : undefined;
      return { kind: 'replay', at: r.at, lane: d.consumer, eventId: d.eventId, dlqId: d.id, jobId: r.jobId, by: r.by ?? job?.createdBy ?? null, jobState: job?.state ?? null, jobError: job?.error ?? null };
    }),
  ]);
}

export function buildTimeline(input: FlowInput): Timeline {
  const events = new Map(input.events.map((e) => [e.eventId, e]));
  const steps: TimelineStep[] = [...input.events.flatMap(eventSteps), ...deadLetterSteps(input)];
  for (const a of input.attempts) {
    const event = a.eventId ? events.get(a.eventId) : undefined;
    steps.push(attemptStep(a, event?.publishedAt, input));
    const projection = projectionStep(a, event, input);
    if (projection) steps.push(projection);
  }
  steps.sort((a, b) => a.at.getTime() - b.at.getTime() || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || attemptNo(a) - attemptNo(b));
  const consumerLanes = input.consumers.map((c) => c.name);
  const extraLanes = [...new Set(steps.map((s) => s.lane))].filter((l) => l !== 'outbox' && !consumerLanes.includes(l));
  const missing = missingSteps(input);
  return {
    traceId: input.traceId,
    steps,
    lanes: ['outbox', ...consumerLanes, ...extraLanes],
    tree: causationTree(input.events),
    missing,
    summary: {
      events: input.events.length,
      failedAttempts: input.attempts.filter((a) => a.outcome === 'retry' || a.outcome === 'dead_lettered').length,
      openDeadLetters: input.deadLetters.filter((d) => d.status === 'open').length,
      missing: missing.filter((m) => m.kind !== 'skipped').length,
      startedAt: steps[0]?.at ?? null,
      lastStepAt: steps.at(-1)?.at ?? null,
    },
  };
}

const attemptNo = (s: TimelineStep) => (s.kind === 'attempt' ? s.attempt : 0);
