// The rows a trace timeline is built from (as lib/read loads them) and what it
// becomes. Pure types: no Prisma, no clock. Times are Dates; offsets and log
// positions are strings (bigint in the database).

export type AttemptOutcome = 'ok' | 'duplicate' | 'retry' | 'dead_lettered';

export interface FlowEvent {
  eventId: string;
  position: string;
  type: string;
  subject: string;
  traceId: string;
  causationId: string | null;
  correlationId: string | null;
  topic: string;
  partition: number | null;
  offset: string | null;
  /** outbox_events.created_at: the writing transaction's start (PostgreSQL now()). */
  createdAt: Date;
  publishedAt: Date | null;
  publishAttempts: number;
  lastError: string | null;
  /** The envelope as written, for projection key functions. */
  envelope: unknown;
}

export interface FlowAttempt {
  id: string;
  consumer: string;
  eventId: string | null;
  topic: string;
  partition: number;
  offset: string;
  attempt: number;
  outcome: AttemptOutcome;
  durationMs: number;
  errorClass: string | null;
  errorMessage: string | null;
  /** consumer_attempts.at: when the attempt's record was written, i.e. when it ended. */
  at: Date;
}

export interface FlowReplayRecord {
  jobId: string | null;
  at: Date;
  by: string | null;
}

export interface FlowDeadLetter {
  id: string;
  consumer: string;
  eventId: string | null;
  eventType: string | null;
  topic: string;
  partition: number;
  offset: string;
  errorCode: string;
  errorMessage: string;
  attemptCount: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
  status: string;
  replays: FlowReplayRecord[];
}

export interface FlowJob {
  id: string;
  kind: string;
  state: string;
  createdBy: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

/** A consumer as the timeline needs it: what it handles and, for a projection, where its rows go. */
export interface ConsumerSpec {
  name: string;
  handles: readonly string[];
  projection?: { table: string; keyOf(envelope: unknown): string | null };
}

export interface LagFigure {
  consumer: string;
  status: string;
  secondsBehind: number | null;
  at: Date;
}

export interface FlowInput {
  traceId: string;
  events: FlowEvent[];
  attempts: FlowAttempt[];
  deadLetters: FlowDeadLetter[];
  jobs: FlowJob[];
  consumers: ConsumerSpec[];
  /** `${consumer}|${eventId}` pairs with an inbox row (applied, even when attempt rows were pruned). */
  inbox: ReadonlySet<string>;
  lag: LagFigure[];
  /** How replayed deliveries are told apart: the per-consumer replay topic. */
  isReplayTopic(topic: string): boolean;
}

interface StepBase {
  at: Date;
  /** 'outbox' or a consumer name: one lane each. */
  lane: string;
  eventId: string | null;
}

export type TimelineStep = StepBase &
  (
    | { kind: 'outbox-write'; type: string; subject: string; position: string }
    | { kind: 'publish'; topic: string; partition: number; offset: string; latencyMs: number }
    | {
        kind: 'attempt';
        startedAt: Date;
        attempt: number;
        outcome: AttemptOutcome;
        durationMs: number;
        error: { class: string | null; message: string | null } | null;
        replayed: boolean;
        /** Publish → end of this attempt. */
        sincePublishMs: number | null;
      }
    | { kind: 'dead-letter'; dlqId: string; errorCode: string; errorMessage: string; attempts: number; status: string }
    | { kind: 'replay'; dlqId: string; jobId: string | null; by: string | null; jobState: string | null; jobError: string | null }
    | { kind: 'projection'; projection: string; table: string; key: string }
  );

export type MissingKind = 'not-published' | 'not-consumed' | 'retrying' | 'dead-lettered' | 'skipped';

export interface MissingStep {
  kind: MissingKind;
  lane: string;
  eventId: string;
  type: string;
  reason: string;
  dlqId?: string;
}

export interface CausationNode {
  eventId: string;
  type: string;
  subject: string;
  at: Date;
  /** Parent's outbox write → this one's: the time spent at the hop that caused it. */
  sinceParentMs: number | null;
  children: CausationNode[];
}

export interface Timeline {
  traceId: string;
  steps: TimelineStep[];
  lanes: string[];
  tree: CausationNode[];
  missing: MissingStep[];
  summary: { events: number; failedAttempts: number; openDeadLetters: number; missing: number; startedAt: Date | null; lastStepAt: Date | null };
}
